"""Link previews over the API: messages carry their cards (REST and GraphQL, the data of the
live events), and the author alone removes one."""

import pytest

from api import tokens
from api.tests.test_graphql import ask
from chat import actions
from chat.models import LinkPreview, MessagePreview


@pytest.fixture
def with_card(alice, bob, team):
    room = actions.create_room(user=alice, name="nexus", team=team, is_private=True)
    message = actions.post_message(
        room=room, author=bob, body="see https://example.org/guide", client_id="q1"
    ).message
    LinkPreview.objects.update(
        status=LinkPreview.Status.READY, title="The guide", description="How to page"
    )
    return message


def url(message, preview_id: int) -> str:
    return f"/api/v1/rooms/{message.room.slug}/messages/{message.pk}/previews/{preview_id}/"


def test_a_message_carries_its_cards(bearer, bob, with_card):
    response = bearer(bob).get(f"/api/v1/rooms/nexus/messages/{with_card.pk}/")
    (card,) = response.json()["previews"]
    assert card == {
        "id": MessagePreview.objects.get().pk,
        "url": "https://example.org/guide",
        "title": "The guide",
        "description": "How to page",
        "site_name": "",
        "image_url": None,
        "image_width": None,
        "image_height": None,
    }
    query = "query($id: Int!) { message(id: $id) { previews { url title imageUrl } } }"
    answer = ask(query, {"id": with_card.pk}, token=tokens.sign_in(bob).access).json()
    assert answer["data"]["message"]["previews"] == [
        {"url": "https://example.org/guide", "title": "The guide", "imageUrl": None}
    ]


@pytest.mark.parametrize(
    ("who", "status"), [("charlie", 404), ("vera", 403), ("alice", 403), ("bob", 200)]
)
def test_only_the_author_removes_a_card(request, bearer, with_card, who, status):
    preview = MessagePreview.objects.get().pk
    response = bearer(request.getfixturevalue(who)).delete(url(with_card, preview))
    assert response.status_code == status
    if status == 200:
        assert response.json()["previews"] == []
    assert MessagePreview.objects.get().removed_at is not None if status == 200 else True


def test_removing_a_card_that_is_not_there_is_a_clear_400(bearer, bob, with_card):
    response = bearer(bob).delete(url(with_card, 10**6))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
