"""The Makefile: its targets exist, it says what is missing, the uv version is written once."""

import os
import re
import subprocess
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MAKEFILE = BASE_DIR / "Makefile"
DOCKERFILE = BASE_DIR / "Dockerfile"


def make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(BASE_DIR), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_every_phony_target_has_a_rule():
    text = MAKEFILE.read_text()
    phony = set(re.search(r"^\.PHONY:(.*)$", text, re.MULTILINE)[1].split())
    rules = set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, re.MULTILINE))
    assert phony <= rules, f".PHONY names targets without a rule: {sorted(phony - rules)}"


def test_it_says_what_to_install_when_python_cannot_make_a_venv(tmp_path):
    """Debian and Ubuntu ship python3 without venv's ensurepip (package python3-venv)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python3 = bin_dir / "python3"
    python3.write_text(
        "#!/bin/sh\necho 'The virtual environment was not created successfully because"
        " ensurepip is not available.' >&2\nexit 1\n"
    )
    python3.chmod(0o755)
    tools = tmp_path / "tools"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}

    result = make(f"TOOLS={tools}", f"{tools}/bin/uv", env=env)

    assert result.returncode != 0
    assert "apt-get install python3-venv" in result.stderr, result.stderr
    assert not tools.exists(), "a half-made environment is left for the next run to trip on"


def test_the_uv_version_is_written_once():
    dockerfile_pins = re.findall(r"^ARG UV_VERSION=(\S+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert len(dockerfile_pins) == 1
    assert dockerfile_pins[0] not in MAKEFILE.read_text(), "the Makefile pins it again"
    result = make("--eval", "print-uv-version: ; @echo $(UV_VERSION)", "print-uv-version")
    assert result.stdout.strip() == dockerfile_pins[0], result.stderr


def test_browser_tests_write_their_screenshots_where_git_ignores_them():
    """A test run must not rewrite the tracked docs/screenshots; `make screenshots` does."""
    from tests.browser.conftest import SCREENSHOTS_DIR

    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(SCREENSHOTS_DIR / "room.png")],
        cwd=BASE_DIR,
        check=False,
    )
    assert ignored.returncode == 0, f"{SCREENSHOTS_DIR} is not ignored by git"


def test_make_screenshots_copies_a_browser_runs_screenshots_into_docs():
    from tests.browser.conftest import SCREENSHOTS_DIR

    result = make("--dry-run", "screenshots")
    assert result.returncode == 0, result.stderr
    commands = result.stdout.splitlines()
    run = next(i for i, line in enumerate(commands) if "pytest -m browser" in line)
    copy = next(i for i, line in enumerate(commands) if line.startswith("cp "))
    assert run < copy
    relative = SCREENSHOTS_DIR.relative_to(BASE_DIR)
    assert commands[copy].split()[1:] == [f"{relative}/*.png", "docs/screenshots/"]
