import pytest

from accounts.models import Team, User
from webhooks import actions
from webhooks.models import Endpoint, Kind
from webhooks.tests.receiver import Receiver


@pytest.fixture
def loopback_allowed(settings):
    """Receivers of tests listen on 127.0.0.x: let the outbound policy reach them."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_SECONDS = [0.05] * 7


@pytest.fixture
def receiver(loopback_allowed):
    with Receiver() as receiver:
        yield receiver


def make_endpoint(team: Team, owner: User, url: str, kinds=None, **fields) -> Endpoint:
    return actions.create_endpoint(
        team=team, user=owner, url=url, kinds=kinds or list(actions.KINDS), **fields
    )


@pytest.fixture
def endpoint(team, alice, receiver) -> Endpoint:
    return make_endpoint(team, alice, receiver.url, kinds=[Kind.MESSAGE_POSTED])
