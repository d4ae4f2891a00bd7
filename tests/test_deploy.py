"""Deployment artefacts agree with the settings, and production settings are safe.

compose.yaml and .env.example may only name variables settings.py reads; `check --deploy`,
collectstatic and the response headers are exercised in child processes with DEBUG off, since
this test process runs with the development settings.
"""

import ast
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS = BASE_DIR / "nexus_live" / "settings.py"
COMPOSE = BASE_DIR / "compose.yaml"
ENV_EXAMPLE = BASE_DIR / ".env.example"
HOST = "nexus.example.com"

# compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}
_INTERPOLATION = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)
_ENV_EXAMPLE_LINE = re.compile(r"^#?\s*(?P<name>[A-Z][A-Z0-9_]*)=")


def _reads_environment(func: ast.expr) -> bool:
    """env("X"), env.<cast>("X"), os.getenv("X") or os.environ.get("X")."""
    if isinstance(func, ast.Name):
        return func.id == "env"
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    if isinstance(owner, ast.Name):
        return owner.id == "env" or (owner.id == "os" and func.attr == "getenv")
    return (
        isinstance(owner, ast.Attribute)
        and isinstance(owner.value, ast.Name)
        and owner.value.id == "os"
        and owner.attr == "environ"
        and func.attr == "get"
    )


def settings_env_vars() -> set[str]:
    """Every environment variable nexus_live/settings.py reads, from its source."""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text())):
        if isinstance(node, ast.Call) and node.args and _reads_environment(node.func):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
    return names


def env_example_vars() -> set[str]:
    names = set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = _ENV_EXAMPLE_LINE.match(line)
        if match:
            names.add(match["name"])
    return names


def interpolate(value: str) -> str:
    """Resolve compose's ${VAR}, ${VAR:-default} and ${VAR:?error} without an environment."""

    def resolve(match: re.Match) -> str:
        if match["op"] in (":-", "-"):
            return match["arg"]
        return f"x{match['name'].lower()}"

    return _INTERPOLATION.sub(resolve, value)


def environment_of(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        pairs = (item.partition("=") for item in environment)
        return {name: value for name, _, value in pairs}
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def child_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any setting, plus the overrides, for a child Django."""
    read = settings_env_vars()
    env = {name: value for name, value in os.environ.items() if name not in read}
    env.update(DJANGO_SETTINGS_MODULE="nexus_live.settings", **overrides)
    return env


def production_env(**overrides: str) -> dict[str, str]:
    return child_env(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS=HOST, **overrides
    )


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


# --- settings.py <-> compose.yaml <-> .env.example ----------------------------------------------


def test_the_settings_parser_finds_the_known_variables():
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STATIC_ROOT"} <= (
        settings_env_vars()
    )


def test_compose_has_web_db_and_redis_each_with_a_healthcheck(compose):
    services = compose["services"]
    for name in ("web", "db", "redis"):
        healthcheck = services[name].get("healthcheck")
        assert healthcheck, f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
        assert healthcheck.get("test"), f"{name}'s healthcheck runs nothing"
    assert "/healthz" in json.dumps(services["web"]["healthcheck"]["test"])


def test_web_environment_names_only_variables_settings_reads(compose):
    unknown = set(environment_of(compose["services"]["web"])) - settings_env_vars()
    assert not unknown, f"compose sets variables settings.py never reads: {sorted(unknown)}"


def test_web_reaches_the_db_and_redis_services(compose):
    services = compose["services"]
    environment = environment_of(services["web"])
    database = urlsplit(interpolate(environment["DATABASE_URL"]))
    redis = urlsplit(interpolate(environment["REDIS_URL"]))
    assert database.scheme in ("postgres", "postgresql", "pgsql")
    assert database.hostname == "db"
    assert redis.scheme in ("redis", "rediss")
    assert redis.hostname == "redis"
    assert {"db", "redis"} <= set(services)
    depends_on = services["web"]["depends_on"]
    for name in ("db", "redis"):
        assert depends_on[name]["condition"] == "service_healthy"


def test_web_can_be_scaled_without_host_port_clashes(compose):
    for mapping in compose["services"]["web"].get("ports", []):
        published = str(mapping).rsplit(":", 1)[0] if ":" in str(mapping) else ""
        host_port = published.rsplit(":", 1)[-1]
        assert not host_port or "-" in host_port, f"fixed host port {mapping!r} blocks --scale"


def test_db_and_redis_keep_their_data_in_named_volumes(compose):
    declared = set(compose.get("volumes") or {})
    for name in ("db", "redis"):
        volumes = compose["services"][name].get("volumes")
        assert volumes, f"{name} has no volume"
        sources = {str(volume).split(":", 1)[0] for volume in volumes}
        assert sources <= declared, f"{name} uses undeclared volumes {sources - declared}"


def test_every_process_shares_the_uploaded_files(compose):
    """Without S3, an image posted through one web replica is served by another and pruned
    by the worker: they all mount one named volume at MEDIA_ROOT (settings: var/media)."""
    declared = set(compose.get("volumes") or {})
    for name in ("web", "worker", "beat"):
        mounts = {str(volume) for volume in compose["services"][name].get("volumes", [])}
        assert "media:/app/var/media" in mounts, f"{name} does not mount the media volume"
    assert "media" in declared
    creates = [line for line in dockerfile_instructions() if "/app/var/media" in line]
    assert creates and "chown" in creates[0], "the image must own var/media (volume permissions)"


def env_example_values() -> dict[str, str]:
    """What `cp .env.example .env` sets: the lines that are not comments."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        name, equals, value = line.partition("=")
        if equals and not line.lstrip().startswith("#"):
            values[name.strip()] = value.strip()
    return values


def test_env_example_as_it_is_fills_no_variable_compose_requires():
    """compose's ${VAR:?...} guards stop a start without a password or secret; a copied
    .env.example must not satisfy them with its sample values."""
    required = {
        match["name"]
        for match in _INTERPOLATION.finditer(COMPOSE.read_text())
        if match["op"] == ":?"
    }
    assert {"SECRET_KEY", "POSTGRES_PASSWORD"} <= required
    filled = {name for name, value in env_example_values().items() if value and name in required}
    assert not filled, f".env.example gives usable values to {sorted(filled)}"


def test_env_example_lists_exactly_what_settings_and_compose_read():
    read = settings_env_vars()
    listed = env_example_vars()
    assert not read - listed, f".env.example misses {sorted(read - listed)}"
    compose_text = COMPOSE.read_text()
    for name in sorted(listed - read):
        assert "${" + name in compose_text, f".env.example lists {name}, which nothing reads"


# --- production settings, in child processes ----------------------------------------------------


def test_check_deploy_has_no_warnings():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("staticfiles")
    result = run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        production_env(STATIC_ROOT=str(root)),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def _brotli_available() -> bool:
    probe = run([sys.executable, "-c", "import brotli"], child_env())
    return probe.returncode == 0


@pytest.mark.parametrize("name", ["css/app.css", "django_htmx/htmx-2.min.js", "js/live.js"])
def test_collectstatic_writes_hashed_and_compressed_files(collected_static, name):
    manifest = json.loads((collected_static / "staticfiles.json").read_text())
    hashed = manifest["paths"][name]
    stem, suffix = name.rsplit(".", 1)
    assert re.fullmatch(re.escape(stem) + r"\.[0-9a-f]{12}\." + suffix, hashed)
    assert (collected_static / hashed).is_file()
    assert (collected_static / f"{hashed}.gz").is_file()
    if _brotli_available():
        assert (collected_static / f"{hashed}.br").is_file()


# Runs in a child with DEBUG off: an in-memory database, one verified person who signs in.
_RESPONSES_SCRIPT = """
import json

import django

django.setup()

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User

call_command("migrate", verbosity=0, interactive=False)
password = "a-long-test-password-0451"
user = User.objects.create_user(email="ops@example.com", password=password)
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def describe(response):
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {
            name: {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"])}
            for name, morsel in response.cookies.items()
        },
        "body": response.content.decode(errors="replace"),
    }


client = Client(HTTP_HOST=%(host)r)
login = reverse("account_login")
out = {
    "login_page": describe(client.get(login, secure=True)),
    "sign_in": describe(
        client.post(login, {"login": user.email, "password": password}, secure=True)
    ),
    "home": describe(client.get("/", secure=True)),
    "plain_http": describe(client.get("/", secure=False)),
    "plain_healthz": describe(client.get("/healthz", secure=False)),
}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_responses(collected_static) -> dict:
    result = run(
        [sys.executable, "-c", _RESPONSES_SCRIPT % {"host": HOST}],
        production_env(
            STATIC_ROOT=str(collected_static), DATABASE_URL="sqlite://:memory:", REDIS_URL=""
        ),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.mark.parametrize("page", ["login_page", "sign_in", "home"])
def test_production_responses_carry_a_strict_csp_and_hsts(production_responses, page):
    response = production_responses[page]
    headers = {name.lower(): value for name, value in response["headers"].items()}
    assert response["status"] in (200, 302)
    csp = headers["content-security-policy"]
    assert "'unsafe-eval'" not in csp
    script_src = _csp_directives(csp).get("script-src") or _csp_directives(csp)["default-src"]
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    hsts = headers["strict-transport-security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 31536000
    assert "includesubdomains" in hsts.lower()


def test_production_cookies_are_secure(production_responses):
    csrf = production_responses["login_page"]["cookies"]["csrftoken"]
    session = production_responses["sign_in"]["cookies"]["sessionid"]
    assert production_responses["sign_in"]["status"] == 302
    assert csrf["secure"]
    assert session["secure"]
    assert session["httponly"]


def test_production_pages_use_hashed_static_files(production_responses):
    home = production_responses["home"]
    assert home["status"] == 200
    assert re.search(r"/static/css/app\.[0-9a-f]{12}\.css", home["body"])
    assert re.search(r"/static/django_htmx/htmx-2\.min\.[0-9a-f]{12}\.js", home["body"])


def test_plain_http_redirects_to_https_except_health(production_responses):
    redirect = production_responses["plain_http"]
    assert redirect["status"] == 301
    assert redirect["headers"]["Location"].startswith(f"https://{HOST}/")
    assert production_responses["plain_healthz"]["status"] == 200


# --- the image ------------------------------------------------------------------------------------


def dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    text = (BASE_DIR / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [line.strip() for line in joined.splitlines() if line.strip()]


def test_dockerfile_serves_daphne_as_a_non_root_user_with_a_healthcheck():
    instructions = dockerfile_instructions()

    def last(keyword: str) -> str:
        found = [line for line in instructions if line.split()[0].upper() == keyword]
        assert found, f"the Dockerfile has no {keyword}"
        return found[-1]

    assert last("USER").split()[1].split(":")[0] not in ("root", "0")
    assert "daphne" in last("CMD")
    assert "nexus_live.asgi:application" in last("CMD")
    assert "/healthz" in last("HEALTHCHECK")
    assert last("EXPOSE") == "EXPOSE 8000"


# --- the proxy: one address in front of every web replica ----------------------------------------

HAPROXY = BASE_DIR / "deploy" / "haproxy.cfg"
HAPROXY_COMPOSE = BASE_DIR / "deploy" / "haproxy-compose.cfg"


def _haproxy() -> str:
    import shutil

    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if not found:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("HAProxy is missing (.ci/run installs it): apt-get install -y haproxy")
        pytest.skip("apt-get install -y haproxy")
    return found


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit or "ms"]


def _directives(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def test_only_the_proxy_publishes_a_port(compose):
    services = compose["services"]
    assert services["proxy"]["ports"], "the proxy is the one address"
    for name, service in services.items():
        if name != "proxy":
            assert not service.get("ports"), f"{name} is reachable around the proxy"


def test_the_proxy_runs_the_repository_configuration(compose):
    proxy = compose["services"]["proxy"]
    mounted = {str(volume).split(":")[0] for volume in proxy["volumes"]}
    assert mounted == {"./deploy/haproxy.cfg", "./deploy/haproxy-compose.cfg"}
    command = proxy["command"]
    assert command[0] == "haproxy"
    assert command.count("-f") == 2
    assert proxy["depends_on"]["web"]["condition"] == "service_started"


def test_web_trusts_forwarded_headers_and_drains_within_its_grace_period(compose):
    from django.conf import settings

    web = compose["services"]["web"]
    assert environment_of(web)["TRUST_PROXY_HEADERS"] == "1"
    assert "--proxy-headers" in web["command"]
    grace = _seconds(web["stop_grace_period"])
    assert grace > settings.DRAIN_SECONDS, "the orchestrator would SIGKILL mid-drain"


def test_proxy_timeouts_outlast_the_socket_heartbeat():
    from nexus_live.sockets import HEARTBEAT

    timeouts = {
        line.split()[1]: _seconds(line.split()[2])
        for line in _directives(HAPROXY)
        if line.startswith("timeout ")
    }
    assert timeouts["tunnel"] > 4 * HEARTBEAT  # an upgraded socket's idle limit
    assert timeouts["client"] > HEARTBEAT
    assert timeouts["server"] > HEARTBEAT


def test_the_proxy_checks_backends_and_retries_elsewhere():
    directives = _directives(HAPROXY)
    assert "option httpchk" in directives
    check = next(line for line in directives if line.startswith("http-check send"))
    assert re.search(r"uri /(healthz|readyz)\b", check)
    assert any(line.startswith("default-server check") for line in directives)
    assert "option redispatch 1" in directives


def test_the_proxy_replaces_forwarded_headers_a_client_sent():
    directives = _directives(HAPROXY)
    for header in ("X-Forwarded-For", "X-Forwarded-Host", "Forwarded"):
        deleted = directives.index(f"http-request del-header {header}")
        assert deleted < directives.index("option forwardfor")
    assert "http-request set-header X-Forwarded-Proto https if { ssl_fc }" in directives
    assert "http-request set-header X-Forwarded-Proto http if !{ ssl_fc }" in directives


def test_the_proxy_does_not_serve_metrics():
    assert "http-request deny deny_status 404 if { path_beg /metrics }" in _directives(HAPROXY)


@pytest.mark.parametrize("topology", ["compose", "cluster"])
def test_haproxy_accepts_the_configuration(topology, tmp_path):
    if topology == "compose":
        backend = HAPROXY_COMPOSE
    else:
        from bench.cluster import backend_config

        backend = tmp_path / "backend.cfg"
        backend.write_text(backend_config([8301, 8302, 8303], 8399))
    env = {**os.environ, "PROXY_MAXCONN": "1000"}
    result = run([_haproxy(), "-c", "-f", str(HAPROXY), "-f", str(backend)], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_a_celery_worker_and_beat_and_offers_rabbitmq(compose):
    services = compose["services"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "nexus_live", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "nexus_live", "beat"]
    # The image's healthcheck probes daphne; neither serves HTTP, so each says how it is well.
    assert "inspect ping" in json.dumps(services["worker"]["healthcheck"]["test"])
    assert services["beat"]["healthcheck"]["disable"] is True
    for name in ("worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert set(environment_of(services[name])) <= settings_env_vars()
    assert services["rabbitmq"]["profiles"] == ["rabbitmq"]  # only when asked for
    assert "rabbitmqdata" in compose["volumes"]
