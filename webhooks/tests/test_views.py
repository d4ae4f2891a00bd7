"""The webhooks pages: owners only (everyone else cannot tell they exist), a clear error for
every bad input, the secret shown once."""

import pytest
from django.urls import reverse

from webhooks.delivery import fan_out
from webhooks.models import Delivery, Endpoint, Event, Kind
from webhooks.tests.conftest import make_endpoint

HOOK = "https://hooks.example.org/in"


@pytest.fixture
def hook(team, alice):
    return make_endpoint(team, alice, HOOK, kinds=[Kind.MESSAGE_POSTED])


def pages(team, hook):
    slug = team.slug
    return [
        ("get", reverse("webhooks:list", args=[slug])),
        ("get", reverse("webhooks:detail", args=[slug, hook.pk])),
        ("post", reverse("webhooks:op", args=[slug, hook.pk, "rotate"])),
        ("post", reverse("webhooks:op", args=[slug, hook.pk, "test"])),
        ("post", reverse("webhooks:op", args=[slug, hook.pk, "pause"])),
        ("post", reverse("webhooks:op", args=[slug, hook.pk, "delete"])),
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("charlie", 404), ("vera", 404), ("bob", 404), ("alice", None)],
)
def test_only_owners_reach_webhooks(as_person, team, hook, who, status):
    client = as_person(who)
    for method, url in pages(team, hook):
        answer = getattr(client, method)(url)
        if status is None:
            assert answer.status_code in (200, 302), url
        else:
            assert answer.status_code == status, url
    assert Endpoint.objects.filter(pk=hook.pk).exists() == (who != "alice")


def test_adding_shows_the_secret_once(as_person, team):
    client = as_person("alice")
    url = reverse("webhooks:list", args=[team.slug])
    answer = client.post(url, {"url": HOOK, "format": "standard", "kinds": ["card.created"]})
    endpoint = Endpoint.objects.get()
    assert answer["Location"] == reverse("webhooks:detail", args=[team.slug, endpoint.pk])
    assert endpoint.secret in client.get(answer["Location"]).text
    assert endpoint.secret not in client.get(answer["Location"]).text  # once
    assert (endpoint.kinds, endpoint.created_by.email) == (["card.created"], "alice@example.com")


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"url": "http://127.0.0.1:8000/x"}, "Loopback"),
        ({"url": "http://169.254.169.254/latest"}, "metadata"),
        ({"url": "http://[::1]/"}, "Loopback"),
        ({"url": "ftp://example.org/"}, "scheme"),
        ({"url": "not a url"}, "URL"),
        ({"url": "https://example.org/" + "a" * 3000}, "2000"),
        ({"kinds": []}, "at least one kind"),
        ({"kinds": ["card.deleted"]}, "card.deleted"),
        ({"kinds": ["webhook.test"]}, "webhook.test"),
        ({"format": "slack"}, "slack"),
        ({"description": "d" * 201}, "200"),
        ({"url": "https://exa\x00mple.org/"}, ""),
    ],
)
def test_bad_input_gets_a_clear_error(as_person, team, fields, says):
    data = {"url": HOOK, "format": "standard", "kinds": ["message.posted"], **fields}
    answer = as_person("alice").post(reverse("webhooks:list", args=[team.slug]), data)
    assert answer.status_code == 400
    assert says in answer.text
    assert not Endpoint.objects.exists()


def test_changing_pausing_testing_and_redelivering(as_person, team, hook):
    client = as_person("alice")
    detail = reverse("webhooks:detail", args=[team.slug, hook.pk])
    data = {"url": HOOK + "/v2", "format": "discord", "kinds": ["member.joined"]}
    assert client.post(detail, data).status_code == 302
    hook.refresh_from_db()
    assert (hook.url, hook.format, hook.kinds) == (HOOK + "/v2", "discord", ["member.joined"])
    client.post(reverse("webhooks:op", args=[team.slug, hook.pk, "pause"]))
    hook.refresh_from_db()
    assert not hook.is_active and "Alice" in hook.disabled_reason
    client.post(reverse("webhooks:op", args=[team.slug, hook.pk, "resume"]))
    hook.refresh_from_db()
    assert hook.is_active and hook.disabled_reason == ""
    client.post(reverse("webhooks:op", args=[team.slug, hook.pk, "test"]))
    fan_out(Event.objects.get(kind=Kind.TEST).pk)  # what the task queued after commit does
    page = client.get(detail).text
    assert "webhook.test" in page
    delivery = Delivery.objects.get()
    url = reverse("webhooks:redeliver", args=[team.slug, hook.pk, delivery.pk])
    Delivery.objects.update(status=Delivery.Status.SUCCEEDED)
    assert client.post(url).status_code == 302
    assert Delivery.objects.get().status == Delivery.Status.PENDING
    assert client.post(reverse("webhooks:op", args=[team.slug, hook.pk, "nope"])).status_code == 404


def test_the_team_page_links_owners_to_webhooks(as_person, team):
    link = reverse("webhooks:list", args=[team.slug])
    assert link in as_person("alice").get(team.get_absolute_url()).text
    assert link not in as_person("bob").get(team.get_absolute_url()).text


def test_a_team_has_at_most_twenty(team, alice):
    from django.core.exceptions import ValidationError

    for i in range(20):
        make_endpoint(team, alice, f"{HOOK}/{i}")
    with pytest.raises(ValidationError, match="at most 20"):
        make_endpoint(team, alice, HOOK)
