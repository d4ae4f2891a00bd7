"""Template context every page needs: which sign-in providers are configured."""

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {"google_enabled": bool(settings.SOCIALACCOUNT_PROVIDERS["google"]["APPS"])}
