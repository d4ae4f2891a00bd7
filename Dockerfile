# syntax=docker/dockerfile:1
# Nexus Live: daphne serving the ASGI app (HTTP + WebSocket). Stateless; run as many as needed.

# --- builder: resolve the locked dependencies into /app/.venv ---------------------------------------
FROM python:3.11-slim-bookworm AS builder

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

# The one pin of uv's version: the Makefile reads it from here.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

# --- assets: the npm packages of package-lock.json, their served files into static/vendor ------------
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY deploy/vendor-assets.sh deploy/
RUN sh deploy/vendor-assets.sh node_modules static/vendor

# --- runtime: the venv, the code and the collected static files; no build tools ----------------------
FROM python:3.11-slim-bookworm AS runtime

ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=nexus_live.settings

RUN groupadd --system --gid 10001 nexus \
    && useradd --system --uid 10001 --gid nexus --no-log-init \
        --home-dir /app --shell /usr/sbin/nologin nexus

WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY . .
COPY --from=assets /src/static/vendor static/vendor

# The SECRET_KEY here exists only for this one command: settings refuse to load without one. It
# is not kept in the image's environment, so a bare `docker run` refuses to start ("SECRET_KEY is
# not set"): the real one comes at run time. var/ is writable so the embedded default (SQLite)
# works in `docker run -e SECRET_KEY=...` without a database service; var/media is created here
# so that compose's media volume starts out owned by the app's user.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret \
        python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var/media \
    && chown -R nexus:nexus /app/var

USER 10001:10001
EXPOSE 8000

# slim has no curl. The Host header is the first ALLOWED_HOSTS entry, so the probe is not
# rejected as a disallowed host; /healthz is exempt from the HTTPS redirect.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h}), timeout=4)"]

CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "nexus_live.asgi:application"]
