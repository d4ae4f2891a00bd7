"""Requests to addresses people give never reach loopback, private, link-local or metadata
addresses: refused from the URL when it says so, and on the address actually connected to
(a name that resolves there, a redirect that points there)."""

import httpx
import pytest

from nexus_live import outbound
from webhooks.tests.receiver import Receiver

BLOCKED = [
    "http://127.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/hook",
    "http://10.0.0.7/hook",
    "http://192.168.1.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://0177.0.0.1/",
    "http://2130706433/",
    "ftp://files.example.org/x",
    "file:///etc/passwd",
    "http://user:pw@example.org/",
    "http://example.org:22/",
]


@pytest.mark.parametrize("url", BLOCKED)
def test_the_url_alone_is_refused(url, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    assert outbound.refusal(url)
    with outbound.client() as client, pytest.raises((outbound.Refused, httpx.InvalidURL)):
        client.post(url)


@pytest.mark.parametrize("url", ["https://example.org/hook", "http://hooks.example.org:8443/"])
def test_public_urls_pass_the_url_check(url, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    assert outbound.refusal(url) is None


def test_a_name_that_resolves_to_loopback_is_refused_at_connect(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with Receiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")
        assert outbound.refusal(url) is None  # a name: only its address can tell
        with outbound.client() as client, pytest.raises(outbound.Refused):
            client.post(url)
    assert receiver.received == []


def test_a_redirect_to_a_blocked_address_is_refused(settings):
    """Allowed: 127.0.0.2 only. It redirects to 127.0.0.1, which is never reached."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    with Receiver() as inside:
        answer = (307, {"Location": inside.url}, b"")
        with Receiver([answer], host="127.0.0.2") as allowed:
            with outbound.client() as client:
                assert client.post(allowed.url).status_code == 307  # webhooks never follow
                with pytest.raises(outbound.Refused):
                    client.post(allowed.url, follow_redirects=True)
            assert len(allowed.received) == 2
    assert inside.received == []


def test_an_allowed_network_is_reached(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with Receiver() as receiver, outbound.client() as client:
        assert client.post(receiver.url, content=b"{}").status_code == 204
    assert len(receiver.received) == 1


def test_a_huge_answer_is_read_only_so_far(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with (
        Receiver([(200, {}, b"x" * 1_000_000)]) as receiver,
        outbound.client() as client,
        client.stream("POST", receiver.url) as response,
    ):
        assert len(outbound.read_limited(response, 1000)) == 1000
