"""Background work through real brokers and a real Celery worker (Celery's own testing worker,
in this process): the Redis of REDIS_URL and the RabbitMQ on 127.0.0.1:5672, and a Redis of
the test's own, stopped while a change commits and started again."""

import os
import socket
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from kombu import pools as kombu_pools
from standardwebhooks import Webhook

from chat.actions import create_room, post_message
from nexus_live.celery import app
from webhooks import tasks
from webhooks.models import Delivery, Event, Kind
from webhooks.tests.conftest import make_endpoint
from webhooks.tests.receiver import Receiver

RABBITMQ = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
pytestmark = pytest.mark.django_db(transaction=True)  # the worker's thread reads what we commit


def _reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return False
    return True


def broker_urls() -> list:
    return [
        pytest.param("redis", id="redis"),
        pytest.param(RABBITMQ, id="rabbitmq"),
    ]


@contextmanager
def broker_at(url: str):
    """Queue on `url` (and run tasks on a worker) for a while, instead of the configured way."""
    saved = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
        "broker_heartbeat": app.conf.broker_heartbeat,
    }
    app.conf.update(broker_url=url, task_always_eager=False, broker_heartbeat=2)
    _forget_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_connections()


def _forget_connections() -> None:
    kombu_pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@contextmanager
def worker():
    """A worker thread. Its heartbeat wakes its event loop every second: on RabbitMQ, with
    nothing else to do, the loop would wait past the testing worker's shutdown timeout."""
    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", without_heartbeat=False
    ) as running:
        yield running


@pytest.fixture
def people(team, alice, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the receivers listen there
    settings.WEBHOOK_RETRY_SECONDS = [0.05] * 7
    return team, alice, create_room(user=alice, name="help", team=team)


@pytest.fixture(params=broker_urls())
def broker(request):
    url = request.param
    if url == "redis":
        url = os.environ.get("REDIS_URL") or pytest.skip("REDIS_URL is not set")
    elif not _reachable("127.0.0.1", 5672):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but RabbitMQ is not up on 127.0.0.1:5672")
        pytest.skip("RabbitMQ is not up on 127.0.0.1:5672")
    with broker_at(url):
        app.control.purge()
        yield url


def test_a_receiver_failing_twice_gets_exactly_one_delivery(broker, people):
    team, alice, room = people
    answers = [(500, {}, b""), (502, {}, b""), (200, {}, b"ok")]
    with Receiver(answers) as receiver:
        endpoint = make_endpoint(team, alice, receiver.url, kinds=[Kind.MESSAGE_POSTED])
        with worker():
            post_message(room=room, author=alice, body="Through the broker", client_id="c1")
            requests = receiver.wait_for(3, timeout=30)
            _settled(Delivery.Status.SUCCEEDED)
        assert len(receiver.received) == 3
    for request in requests:
        payload = Webhook(endpoint.secret).verify(request.body, request.headers)
        assert payload["data"]["message"]["body"] == "Through the broker"
    done = Delivery.objects.get()
    assert (done.status, done.attempts) == (Delivery.Status.SUCCEEDED, 3)


def test_a_receiver_answering_gone_is_disabled(broker, people):
    team, alice, room = people
    with Receiver([(410, {}, b"")]) as receiver:
        endpoint = make_endpoint(team, alice, receiver.url, kinds=[Kind.MESSAGE_POSTED])
        with worker():
            post_message(room=room, author=alice, body="Anyone?", client_id="c1")
            _settled(Delivery.Status.FAILED)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert len(receiver.received) == 1


@pytest.fixture(params=["redis", "rabbitmq"])
def own_broker(request):
    """A broker of the test's own, to kill while a change commits and start again."""
    return request.getfixturevalue(f"private_{request.param}")


def test_a_broker_down_at_commit_delays_the_delivery_and_loses_nothing(own_broker, people):
    team, alice, room = people
    with Receiver() as receiver, broker_at(own_broker.url):
        make_endpoint(team, alice, receiver.url, kinds=[Kind.MESSAGE_POSTED])
        own_broker.kill()
        post_message(room=room, author=alice, body="While the broker is down", client_id="c1")
        event = Event.objects.get()
        assert event.dispatched_at is None  # recorded, not yet fanned out
        own_broker.start()
        _forget_connections()
        Event.objects.update(created_at=timezone.now() - timedelta(minutes=1))
        with worker():
            tasks.sweep.delay()  # what beat does every CELERY_SWEEP_SECONDS
            receiver.wait_for(1, timeout=30)
            _settled(Delivery.Status.SUCCEEDED)
            tasks.sweep.delay()  # again: nothing is due, nothing is sent twice
            _wait(lambda: not Delivery.objects.filter(status="pending").exists())
        assert len(receiver.received) == 1
    assert receiver.received[0].headers["webhook-id"] == event.pk


def test_an_export_is_written_once_by_a_worker(broker, team, alice, bob, settings, tmp_path):
    """The task queued at commit, run by the worker; run again (a redelivery, the sweep), it
    writes nothing more: one file."""
    from celery.signals import task_postrun

    from boards.actions import create_board, create_card
    from exports import tasks as export_tasks
    from exports.actions import start_export
    from exports.models import Export

    settings.MEDIA_ROOT = str(tmp_path)
    board = create_board(user=alice, name="Challenges", team=team)
    create_card(board=board, user=alice, title="Slow API")
    builds = []

    def ran(sender=None, **kwargs) -> None:
        if getattr(sender, "name", None) == export_tasks.build.name:
            builds.append(kwargs["args"])

    task_postrun.connect(ran, weak=False)
    try:
        with worker():
            export = start_export(user=bob, kind="board", format="json", board=board)
            _wait(lambda: Export.objects.filter(pk=export.pk, status="done").exists())
            export_tasks.build.delay(export.pk)
            _wait(lambda: len(builds) == 2)
    finally:
        task_postrun.disconnect(ran)
    export.refresh_from_db()
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert [path.name for path in files] == [export.file.name.rsplit("/", 1)[-1]]
    assert b'"title": "Slow API"' in files[0].read_bytes()


def _settled(status: str, timeout: float = 30) -> None:
    _wait(lambda: Delivery.objects.filter(status=status).exists(), timeout)


def _wait(condition, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(0.05)
