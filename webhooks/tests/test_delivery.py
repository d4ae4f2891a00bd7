"""Deliveries to a real receiver on 127.0.0.1: signed as Standard Webhooks says (checked with
its own library), retried on failure, exactly one success, 410 disables, Retry-After honoured,
two workers on one delivery make one attempt."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook

from chat.actions import create_room, post_message
from webhooks import actions, delivery
from webhooks.models import Delivery, Endpoint, Event, Kind
from webhooks.tests.conftest import make_endpoint
from webhooks.tests.receiver import Receiver


@pytest.fixture
def room(team, alice):
    return create_room(user=alice, name="help", team=team)


def post(room, who, body="Where do refresh tokens live?", client_id="c1"):
    return post_message(room=room, author=who, body=body, client_id=client_id).message


def run_until_done(limit: int = 20) -> None:
    """What a worker and the sweep do, in this thread: fan out, then attempt what is due."""
    for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True):
        delivery.fan_out(event_id)
    for _ in range(limit):
        due = Delivery.objects.filter(status=Delivery.Status.PENDING)
        if not due.exists():
            return
        for pk in due.values_list("pk", flat=True):
            Delivery.objects.filter(pk=pk).update(next_attempt_at=timezone.now())  # no waiting
            delivery.attempt(pk)
    raise AssertionError("deliveries still pending")


def test_a_delivery_verifies_with_a_standard_webhooks_library(room, alice, endpoint, receiver):
    post(room, alice)
    run_until_done()
    (request,) = receiver.wait_for(1)
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "message.posted"
    assert payload["data"]["message"]["body"] == "Where do refresh tokens live?"
    event = Event.objects.get()
    assert request.headers["webhook-id"] == event.pk
    assert payload["timestamp"] == event.created_at.isoformat()
    assert request.headers["content-type"] == "application/json"
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 43 + "=").verify(request.body, request.headers)
    attempt = Delivery.objects.get().attempt_log.get()
    assert (attempt.status_code, attempt.error) == (204, "")


def test_a_receiver_failing_twice_gets_one_successful_delivery(room, team, alice, loopback_allowed):
    answers = [(500, {}, b"boom"), (503, {}, b"later"), (200, {}, b"ok"), (200, {}, b"again?")]
    with Receiver(answers) as receiver:
        make_endpoint(team, alice, receiver.url, kinds=[Kind.MESSAGE_POSTED])
        post(room, alice)
        run_until_done()
        requests = receiver.wait_for(3)
    assert len(requests) == 3
    assert len({r.headers["webhook-id"] for r in requests}) == 1  # one event, three tries
    done = Delivery.objects.get()
    assert (done.status, done.attempts) == (Delivery.Status.SUCCEEDED, 3)
    log = [(a.status_code, a.response) for a in done.attempt_log.all()]
    assert log == [(500, "boom"), (503, "later"), (200, "ok")]
    assert Endpoint.objects.get().failing_since is None  # it works again


def test_gone_disables_the_endpoint_and_tells_its_owners(room, team, alice, loopback_allowed):
    with Receiver([(410, {}, b"")]) as receiver:
        endpoint = make_endpoint(team, alice, receiver.url, kinds=[Kind.MESSAGE_POSTED])
        post(room, alice, client_id="a")
        post(room, alice, client_id="b")
        run_until_done()
        assert len(receiver.received) == 1  # the second is not tried any more
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "410" in endpoint.disabled_reason
    statuses = set(Delivery.objects.values_list("status", flat=True))
    assert statuses == {Delivery.Status.FAILED}
    (message,) = mail.outbox
    assert message.to == [alice.email]
    assert receiver.url in message.body
    post(room, alice, client_id="c")
    assert Event.objects.count() == 2  # a disabled endpoint wants nothing


def test_retry_after_is_honoured(room, team, alice, loopback_allowed):
    with Receiver([(429, {"Retry-After": "120"}, b"")]) as receiver:
        make_endpoint(team, alice, receiver.url, kinds=[Kind.MESSAGE_POSTED])
        post(room, alice)
        delivery.fan_out(Event.objects.get().pk)
        before = timezone.now()
        delivery.attempt(Delivery.objects.get().pk)
    waiting = Delivery.objects.get()
    assert waiting.status == Delivery.Status.PENDING
    assert waiting.next_attempt_at >= before + timedelta(seconds=119)


def test_every_retry_spent_fails_the_delivery(room, team, alice, loopback_allowed, settings):
    settings.WEBHOOK_RETRY_SECONDS = [0.01, 0.01]
    with Receiver([(500, {}, b"")]) as receiver:
        make_endpoint(team, alice, receiver.url, kinds=[Kind.MESSAGE_POSTED])
        post(room, alice)
        run_until_done()
        assert len(receiver.received) == 3  # the first try and two retries
    assert Delivery.objects.get().status == Delivery.Status.FAILED
    assert Endpoint.objects.get().is_active  # a failing endpoint is paused after days, not now


def test_an_endpoint_failing_for_days_is_paused(room, team, alice, loopback_allowed):
    with Receiver([(500, {}, b"")]) as receiver:
        endpoint = make_endpoint(team, alice, receiver.url, kinds=[Kind.MESSAGE_POSTED])
        Endpoint.objects.filter(pk=endpoint.pk).update(
            failing_since=timezone.now() - timedelta(days=5, minutes=1)
        )
        post(room, alice)
        run_until_done()
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "5 days" in endpoint.disabled_reason
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_delivery_make_one_attempt(team, alice, loopback_allowed, monkeypatch):
    monkeypatch.setattr("webhooks.tasks.queue", lambda *args, **kw: False)  # no worker: us
    room = create_room(user=alice, name="race", team=team)
    with Receiver(delay=0.3) as receiver:
        make_endpoint(team, alice, receiver.url, kinds=[Kind.MESSAGE_POSTED])
        post(room, alice)
        (pk,) = delivery.fan_out(Event.objects.get().pk)
        results = []

        def one_worker() -> None:
            try:
                results.append(delivery.attempt(pk))
            finally:
                connection.close()  # back to the pool

        threads = [threading.Thread(target=one_worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(receiver.wait_for(1)) == 1
    assert sum(result is not None for result in results) == 1
    assert Delivery.objects.get().attempts == 1
    assert delivery.fan_out(Event.objects.get().pk) == []  # fanned out once


def test_after_a_rotation_both_secrets_verify_for_a_while(room, team, alice, endpoint, receiver):
    old = endpoint.secret
    new = actions.rotate_secret(endpoint=endpoint, user=alice)
    assert new != old and new.startswith("whsec_")
    post(room, alice)
    run_until_done()
    (request,) = receiver.wait_for(1)
    for secret in (old, new):
        Webhook(secret).verify(request.body, request.headers)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Endpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    post(room, alice, client_id="later")
    run_until_done()
    later = receiver.wait_for(2)[1]
    Webhook(new).verify(later.body, later.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(old).verify(later.body, later.headers)


def test_a_test_event_and_a_redelivery(team, alice, endpoint, receiver):
    actions.send_test(endpoint=endpoint, user=alice)
    run_until_done()
    first = receiver.wait_for(1)[0]
    assert Webhook(endpoint.secret).verify(first.body, first.headers)["type"] == "webhook.test"
    done = Delivery.objects.get()
    actions.redeliver(delivery=done, user=alice)
    run_until_done()
    again = receiver.wait_for(2)[1]
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert Delivery.objects.get().attempts == 2


def test_the_sweep_fans_out_and_queues_what_a_lost_task_left(room, alice, endpoint, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "webhooks.tasks.queue", lambda task, *args, **kw: queued.append((task.name, args))
    )
    post(room, alice)
    assert delivery.sweep() == (0, 0)  # just committed: its own task is on the way
    Event.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    assert delivery.sweep() == (1, 1)
    assert queued == [("webhooks.tasks.deliver", (Delivery.objects.get().pk,))]


def test_old_logs_are_pruned(room, alice, endpoint, settings):
    post(room, alice)
    Event.objects.update(created_at=timezone.now() - timedelta(days=settings.WEBHOOK_LOG_DAYS + 1))
    post(room, alice, client_id="new")
    assert delivery.prune() >= 1
    assert Event.objects.count() == 1


def test_a_name_resolving_to_loopback_gets_nothing_in_production(room, team, alice, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with Receiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")
        make_endpoint(team, alice, url, kinds=[Kind.MESSAGE_POSTED])  # a name passes the form
        post(room, alice)
        delivery.fan_out(Event.objects.get().pk)
        attempt = delivery.attempt(Delivery.objects.get().pk)
    assert attempt.status_code is None
    assert attempt.error.startswith("Refused") and "Loopback" in attempt.error
    assert receiver.received == []
