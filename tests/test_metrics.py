"""/metrics: served to loopback or a bearer token only; labels are route names, never paths;
several processes add up (prometheus-client's multiprocess mode)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families

PROJECT_DIR = Path(__file__).resolve().parent.parent


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return found


def scrape(client, **extra) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_it_serves_loopback(client, db):
    assert "nexus_http_requests_total" in scrape(client, REMOTE_ADDR="127.0.0.1")
    assert "nexus_http_requests_total" in scrape(client, REMOTE_ADDR="::1")


@pytest.mark.parametrize("address", ["203.0.113.9", "10.0.0.5", "not-an-address", ""])
def test_it_refuses_other_addresses(client, db, address):
    assert client.get("/metrics", REMOTE_ADDR=address).status_code == 403


def test_it_refuses_what_came_through_the_proxy(client, db):
    """Behind HAProxy daphne may report 127.0.0.1; the proxy's header says it came from outside."""
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 403


def test_it_serves_a_bearer_token_from_anywhere(client, db, settings):
    settings.METRICS_TOKEN = "a-long-scrape-token"
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert "nexus_" in scrape(client, HTTP_AUTHORIZATION="Bearer a-long-scrape-token", **remote)
    for wrong in ("Bearer nope", "a-long-scrape-token", "Basic a-long-scrape-token", ""):
        assert client.get("/metrics", HTTP_AUTHORIZATION=wrong, **remote).status_code == 403


def test_an_empty_token_setting_lets_no_token_in(client, db, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403


def test_it_rejects_post(client, db):
    assert client.post("/metrics").status_code == 405


def test_requests_count_by_route_name_never_by_path(client, db):
    key = (
        "nexus_http_requests_total",
        (("method", "GET"), ("route", "healthz"), ("status", "200")),
    )
    before = samples(scrape(client)).get(key, 0)
    client.get("/healthz")
    client.get("/no/such/page-4711/")
    text = scrape(client)
    assert samples(text)[key] == before + 1
    assert "page-4711" not in text  # the unmatched path is "<unmatched>", not itself
    assert 'route="<unmatched>"' in text
    assert 'nexus_http_request_duration_seconds_count{route="healthz"}' in text


CHILD = """
import os, sys
from nexus_live import metrics
metrics.SOCKETS_OPEN.labels("room").inc(2)
metrics.WRITES.labels("message_posted").inc()
print("counted", flush=True)
if sys.argv[1] == "stay":
    sys.stdin.read()
"""


def test_processes_add_up_and_an_exited_process_leaves_no_open_sockets(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    run = [sys.executable, "-c", CHILD]
    subprocess.run([*run, "exit"], cwd=PROJECT_DIR, env=env, check=True, timeout=60)
    staying = subprocess.Popen(
        [*run, "stay"], cwd=PROJECT_DIR, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert staying.stdout.readline().strip() == b"counted"
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(tmp_path))
        values = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in registry.collect()
            for s in family.samples
        }
        # counters keep what a process counted after it exits; open sockets are the living's
        assert values["nexus_writes_total", (("what", "message_posted"),)] == 2
        assert values["nexus_sockets_open", (("kind", "room"),)] == 2
    finally:
        staying.stdin.close()
        staying.wait(timeout=30)


def test_the_cluster_drops_a_killed_daphnes_open_sockets(tmp_path):
    from bench.cluster import Cluster
    from bench.servers import Daphne

    cluster = Cluster(1, {}, tmp_path)
    stand_in = subprocess.Popen(["sleep", "60"])  # a process to kill, in place of a daphne
    cluster.daphnes = [Daphne(0, stand_in, tmp_path / "log")]
    cluster.metrics_dir.mkdir()
    live = cluster.metrics_dir / f"gauge_livesum_{stand_in.pid}.db"
    counted = cluster.metrics_dir / f"counter_{stand_in.pid}.db"
    live.touch()
    counted.touch()
    cluster.kill(0)
    assert not live.exists()  # its sockets are not open any more
    assert counted.exists()  # what it counted still counts


def test_it_reports_the_webhook_backlog(client, db, team, alice):
    from datetime import timedelta

    from django.utils import timezone

    from webhooks.models import Endpoint, Event

    Endpoint.objects.create(team=team, url="https://example.org/h", kinds=[], is_active=False)
    Event.objects.create(team=team, kind="webhook.test", data={})
    Event.objects.create(team=team, kind="webhook.test", data={})
    Event.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    Event.objects.create(team=team, kind="webhook.test", data={})  # just now: on its way
    text = client.get("/metrics").text
    assert "nexus_webhook_events_undispatched 2.0" in text
    assert "nexus_webhook_deliveries_overdue 0.0" in text
    assert "nexus_webhook_endpoints_off 1.0" in text


def _purge_task_queue() -> None:
    from django.conf import settings

    from nexus_live.celery import app

    with app.connection_for_write() as conn:
        try:
            conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
        except Exception:  # noqa: S110 (no such queue: nothing to purge)
            pass


def test_it_counts_task_failures_in_the_shared_cache(client, db, monkeypatch):
    from webhooks import delivery, tasks

    def fails() -> None:
        raise RuntimeError("the receiver's fault")

    monkeypatch.setattr(delivery, "prune", fails)
    tasks.prune.apply()  # runs here; Celery's task_failure signal counts it
    tasks.prune.apply()
    body = client.get("/metrics").content.decode()
    assert 'nexus_task_failures_total{task="webhooks.tasks.prune"} 2.0' in body
    assert 'nexus_task_failures_total{task="webhooks.tasks.sweep"} 0.0' in body


def test_it_reports_the_tasks_waiting_in_the_broker(client, db, settings):
    from nexus_live import metrics
    from nexus_live.celery import app
    from webhooks import tasks

    if app.conf.task_always_eager:
        pytest.skip("no broker: tasks run at once (CI has Redis and RabbitMQ)")
    _purge_task_queue()
    try:
        assert metrics.tasks_queued() == 0
        for _ in range(3):
            tasks.sweep.apply_async()  # this run's own queue: no worker takes them
        assert metrics.tasks_queued() == 3
        assert "nexus_tasks_queued 3.0" in client.get("/metrics").content.decode()
    finally:
        _purge_task_queue()


def test_without_a_broker_the_queue_is_not_reported(client, db):
    from nexus_live.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        assert "nexus_tasks_queued" not in client.get("/metrics").content.decode()
    finally:
        app.conf.task_always_eager = eager
