""".ci/run starts what the tests need, then `make test`: run here with every outside command
replaced by a stub that records its arguments."""

import os
import subprocess
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

STUBS = {
    # PostgreSQL answers once a cluster was started; Redis always does.
    "pg_isready": 'echo "pg_isready $*" >> "$CALLS"; [ -e "$STATE/pg-started" ]',
    "pg_ctlcluster": 'echo "pg_ctlcluster $*" >> "$CALLS"; touch "$STATE/pg-started"',
    "pg_lsclusters": 'cat "$STATE/clusters"',
    "redis-cli": "exit 0",
    "redis-server": 'echo "redis-server $*" >> "$CALLS"',
    "apt-get": 'echo "apt-get $*" >> "$CALLS"',
    "make": 'echo "make $*" >> "$CALLS"',
}

TWO_CLUSTERS = """\
15  main    5433 down   postgres /var/lib/postgresql/15/main /var/log/postgresql/15-main.log
16  main    5432 down   postgres /var/lib/postgresql/16/main /var/log/postgresql/16-main.log
"""


@pytest.fixture
def ci_run(tmp_path):
    """`ci_run(clusters)`: run .ci/run against the stubs; return the commands it ran."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in STUBS.items():
        stub = bin_dir / name
        stub.write_text(f"#!/bin/sh\n{body}\n")
        stub.chmod(0o755)
    calls = tmp_path / "calls"

    def run(clusters: str) -> list[str]:
        (tmp_path / "clusters").write_text(clusters)
        env = {
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "CALLS": str(calls),
            "STATE": str(tmp_path),
            "CHROMIUM": str(tmp_path / "no-chromium"),  # not installed: .ci/run installs it
            "HOME": str(tmp_path),
        }
        result = subprocess.run(
            ["bash", str(BASE_DIR / ".ci" / "run")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return calls.read_text().splitlines()

    return run


def test_it_starts_the_cluster_on_port_5432_when_several_are_installed(ci_run):
    calls = ci_run(TWO_CLUSTERS)
    started = [call for call in calls if call.startswith("pg_ctlcluster")]
    assert started == ["pg_ctlcluster --skip-systemctl-redirect 16 main start"]


def test_it_updates_the_package_lists_before_installing_chromium(ci_run):
    calls = [call for call in ci_run(TWO_CLUSTERS) if call.startswith("apt-get")]
    assert len(calls) == 2, calls
    assert calls[0].split()[1] == "update"
    assert calls[1].split()[1:3] == ["install", "-y"]
    assert "chromium" in calls[1].split()


def test_it_runs_make_test_last(ci_run):
    assert ci_run(TWO_CLUSTERS)[-1] == "make test"


def test_every_apps_tests_are_collected():
    """`make test` runs pytest's testpaths: an app whose tests folder is not listed there is
    never tested (webhooks, exports and hub were not, until this test)."""
    import tomllib

    config = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    testpaths = set(config["tool"]["pytest"]["ini_options"]["testpaths"])
    with_tests = {
        path.parent.parent.name
        for path in BASE_DIR.glob("*/tests/__init__.py")
        if not path.parent.parent.name.startswith(".")
    }
    assert with_tests - testpaths == set()
    assert "tests" in testpaths
