# Nexus Live. `make run` serves the app on the embedded default; `make test` checks everything.
PORT ?= 8000
# The uv version is pinned once, in the Dockerfile (the image installs the same one).
UV_VERSION := $(shell sed -n 's/^ARG UV_VERSION=//p' $(dir $(lastword $(MAKEFILE_LIST)))Dockerfile)
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PY := .venv/bin/python
# uv's cache lives outside the repository (ruff must never see it); no Python downloads.
export UV_CACHE_DIR ?= $(HOME)/.cache/nexus-live-uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: install assets run test lint pytest bench bench-api bench-pages screenshots cluster cluster-stop faults soak worker

# Debian and Ubuntu ship python3 without what `venv` needs; say so rather than leave half a venv.
$(UV):
	@python3 -m venv $(TOOLS) || { rm -rf $(TOOLS); \
		echo "make: python3 could not create a virtual environment in $(TOOLS)." >&2; \
		echo "On Debian or Ubuntu: apt-get install python3-venv, then run make again." >&2; \
		exit 1; }
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen

# Development: debug on and a secret of this checkout's own, made once and kept in var/ (the
# settings default to production and know no secret). Variables already set win.
DEV_SECRET := var/dev-secret-key
DEV_ENV = DEBUG="$${DEBUG:-true}" SECRET_KEY="$${SECRET_KEY:-$$(cat $(DEV_SECRET))}"

$(DEV_SECRET):
	mkdir -p $(@D)
	umask 077 && python3 -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# Browser files the app serves itself, from the npm packages pinned in package-lock.json, copied
# into static/vendor/ (ignored by git) by deploy/vendor-assets.sh (the Dockerfile runs the same):
# GraphiQL (development; its source maps too, as collectstatic's manifest follows them), tributejs
# (@mention suggestions) and the emoji list of emoji-picker-element-data (the reaction picker).
assets: package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	sh deploy/vendor-assets.sh

run: install $(DEV_SECRET)
	@$(MAKE) --no-print-directory assets || echo "make: no npm here: GraphiQL, @mention suggestions and the emoji picker are missing (the rest works)"
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	@echo "Nexus Live on http://127.0.0.1:$(PORT)/"
	$(DEV_ENV) exec $(PY) -m daphne -b 127.0.0.1 -p $(PORT) nexus_live.asgi:application

# A Celery worker with beat inside it (one process: development only; compose runs them apart),
# on the broker of CELERY_BROKER_URL or REDIS_URL. Without either, `make run` runs tasks at once
# and needs no worker.
worker: install $(DEV_SECRET)
	@[ -n "$${CELERY_BROKER_URL:-$${REDIS_URL:-}}" ] || { \
		echo "make worker: set REDIS_URL or CELERY_BROKER_URL (without a broker, tasks run at once)" >&2; exit 1; }
	$(DEV_ENV) exec $(PY) -m celery -A nexus_live worker --beat --loglevel INFO \
		--schedule var/celerybeat-schedule

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/hadolint Dockerfile

# Browser tests run in their own pytest process: Playwright's sync API leaves an event loop
# running that would break the asyncio tests after it.
# The browser tests use the composer's npm files (static/vendor): `assets` first.
pytest: install assets
	.venv/bin/pytest -m "not browser"
	.venv/bin/pytest -m browser

test: lint pytest

# The browser tests take their screenshots in var/screenshots (ignored by git); this refreshes
# the README's docs/screenshots from a passing run.
screenshots: install
	rm -rf var/screenshots
	.venv/bin/pytest -m browser
	cp var/screenshots/*.png docs/screenshots/

# Load scenarios (rooms, boards, a catch-up flood) against real daphne processes, PostgreSQL
# and Redis (both must be running: databases nexus_bench, nexus_bench_boards and
# nexus_bench_flood are dropped and re-created, Redis dbs 3, 4 and 5 flushed). Each writes its
# block of docs/benchmarks.md.
# BENCH_ARGS passes options to the rooms' run, e.g. BENCH_ARGS="--quick", or "--compare" (the same
# scenarios against a plain Channels chat, bench/echo.py, in the same run, with the ratios).
bench: install
	ulimit -n 20000 2>/dev/null || ulimit -n $$(ulimit -Hn); $(PY) -m bench $(BENCH_ARGS)
	$(PY) -m bench.boards
	$(PY) -m bench.flood

# The public API under load (bench/api.py): 50 REST clients reading pages and posting, 200
# JSON live-event subscribers, a page deep in a room of 100,000 messages against its first page,
# queries per page size; with 1 and 2 daphne processes on the PostgreSQL and Redis that are up
# (database nexus_bench_api dropped and re-created, Redis db 13 flushed). Its own target, not in
# `make bench`'s list (about 5 minutes). Writes its block of docs/benchmarks.md.
# BENCH_API_ARGS="--quick" for shorter phases.
bench-api: install
	ulimit -n 20000 2>/dev/null || ulimit -n $$(ulimit -Hn); $(PY) -m bench.api $(BENCH_API_ARGS)

# The main pages with the app shell (bench/pages.py): a room of 100,000 messages, a board of
# 1,000 cards, the room list, home and search: queries and server time, in process, beside
# /healthz, and the same at BEFORE (a commit: a git worktree under var/bench, removed after).
# Databases nexus_bench_pages and nexus_bench_pages_ref dropped and re-created, Redis db 12
# flushed. Writes its block of docs/benchmarks.md.
BEFORE ?= 5315ca2
bench-pages: install
	$(PY) -m bench.pages --against $(BEFORE)

# The production topology without Docker: N daphne processes behind HAProxy (Debian's package)
# on http://127.0.0.1:8300/, on the PostgreSQL and Redis that are up (database nexus_cluster,
# Redis db 6 unless DATABASE_URL / REDIS_URL say otherwise). Ctrl-C or `make cluster-stop`.
N ?= 3
cluster: install
	$(PY) -m bench.cluster --processes $(N)

cluster-stop: install
	$(PY) -m bench.cluster --stop

# Faults on purpose (bench/faults.py): HAProxy + 3 daphnes on ports 8310-8319, a redis-server of
# its own on 6391 and a PostgreSQL 15 cluster of its own on 6392 (initdb in a temporary
# directory, restarted mid-burst, removed after; the machine's 5432 server is never touched).
# Writes its block of docs/benchmarks.md. FAULTS_ARGS="--quick" for shorter bursts; "--short" is
# CI's (tests/test_faults.py: every scenario, small, nothing written).
faults: install
	$(PY) -m bench.faults $(FAULTS_ARGS)

# Steady chat and board traffic through HAProxy + 2 daphnes (bench/soak.py) for a bounded time:
# memory, descriptors and Redis memory over time, latency per minute. Proxy on 8440, a
# redis-server of its own on 6395, database nexus_bench_faults on the 5432 server (dropped and
# re-created).
# Writes its block of docs/benchmarks.md. SOAK_ARGS="--minutes 3" for a short one.
soak: install
	$(PY) -m bench.soak $(SOAK_ARGS)
