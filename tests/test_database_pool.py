"""On PostgreSQL each process draws its connections from psycopg's pool, sized for the socket
write threads plus Django's own thread; DATABASE_POOL=false goes back to persistent ones."""

import asyncio
import json

import pytest
from django.conf import settings
from django.db import connection

from nexus_live import writes
from tests.test_deploy import child_env
from tests.test_settings import setting

POSTGRES = "postgres://nexus@db.invalid:5432/nexus"  # never connected to: settings only


def database_settings(**env: str) -> dict:
    return json.loads(setting("DATABASES", child_env(SECRET_KEY="x" * 50, **env)))["default"]


def test_postgres_draws_connections_from_a_pool_sized_for_the_write_threads():
    database = database_settings(DATABASE_URL=POSTGRES, DATABASE_WRITE_THREADS="4")
    pool = database["OPTIONS"]["pool"]
    assert pool["max_size"] == 4 + 1  # the write threads and Django's one sync thread
    assert 1 <= pool["min_size"] <= pool["max_size"]
    assert 0 < pool["timeout"] <= 30
    assert database["CONN_MAX_AGE"] == 0  # Django refuses a pool with persistent connections


def test_the_pool_follows_the_number_of_write_threads():
    database = database_settings(DATABASE_URL=POSTGRES, DATABASE_WRITE_THREADS="0")
    assert database["OPTIONS"]["pool"]["max_size"] == 1
    assert database["OPTIONS"]["pool"]["min_size"] == 1


def test_database_pool_false_keeps_persistent_connections_instead():
    database = database_settings(DATABASE_URL=POSTGRES, DATABASE_POOL="false")
    assert "pool" not in database.get("OPTIONS", {})
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True


def test_sqlite_has_no_pool():
    database = database_settings(DATABASE_URL="sqlite:///:memory:")
    assert "pool" not in database.get("OPTIONS", {})


def _in_use(stats: dict[str, int]) -> int:
    return stats.get("pool_size", 0) - stats.get("pool_available", 0)


@pytest.mark.django_db(transaction=True)
async def test_many_socket_writes_share_a_bounded_set_of_pooled_connections():
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's")
    bound = settings.DATABASE_WRITE_THREADS + 1

    def write() -> tuple[str, int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_database(), pg_backend_pid(), count(*) FROM pg_stat_activity"
                " WHERE datname = current_database()"
            )
            row = cursor.fetchone()
            cursor.execute("SELECT pg_sleep(0.01)")  # long enough for the writes to overlap
        return row

    in_use_before = _in_use(connection.pool.get_stats()) if connection.pool else 0
    results = await asyncio.gather(*(writes.write(write) for _ in range(50)))

    assert len(results) == 50
    assert {database for database, _, _ in results} == {settings.DATABASES["default"]["NAME"]}
    assert len({pid for _, pid, _ in results}) <= bound, "writes opened connections of their own"
    assert max(count for _, _, count in results) <= bound
    # Every write gave its connection back (this thread may hold one of its own throughout).
    assert _in_use(connection.pool.get_stats()) == in_use_before, "a write kept its connection"
