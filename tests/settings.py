"""The test run's environment: development settings and a secret of its own, then the one
settings module.

pytest-django loads DJANGO_SETTINGS_MODULE before any conftest runs, so this is the earliest
place to set them. Real environment variables win; child processes (the browser tests' daphne)
inherit these.
"""

import os
import secrets
import tempfile

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", f"tests-{secrets.token_urlsafe(50)}")
# A queue of this run's own: another run's worker on the same broker never takes its tasks.
os.environ.setdefault("CELERY_QUEUE", f"nexus-tests-{secrets.token_hex(4)}")

# Uploaded files of this run (and of its browser tests' daphne) in a folder of its own.
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="nexus-media-"))

from nexus_live.settings import *  # noqa: F403
