"""Search finds messages in the rooms a person can see, and only there."""

import pytest
from django.db import connection
from django.urls import reverse

from chat import actions


def _post(room, author, body, client_id):
    return actions.post_message(room=room, author=author, body=body, client_id=client_id).message


@pytest.fixture
def messages(alice, general, private_room):
    return {
        "public": _post(general, alice, "Celery retries with exponential backoff", "a"),
        "private": _post(private_room, alice, "Celery worker secrets of the team", "b"),
        "other": _post(general, alice, "Redis caching and pagination", "c"),
    }


def test_it_finds_words_in_visible_rooms(client, bob, messages):
    client.force_login(bob)
    page = client.get(reverse("search"), {"q": "celery"}).content.decode()
    assert f'id="message-{messages["public"].pk}"' in page
    assert f'id="message-{messages["private"].pk}"' in page
    assert f'id="message-{messages["other"].pk}"' not in page
    assert messages["public"].get_absolute_url().replace("&", "&amp;") in page


def test_it_hides_private_rooms_from_outsiders(client, charlie, messages):
    client.force_login(charlie)
    page = client.get(reverse("search"), {"q": "celery"}).content.decode()
    assert f'id="message-{messages["public"].pk}"' in page
    assert f'id="message-{messages["private"].pk}"' not in page


def test_deleted_messages_are_not_found(client, alice, messages):
    actions.delete_message(message=messages["other"], user=alice)
    client.force_login(alice)
    page = client.get(reverse("search"), {"q": "redis"}).content.decode()
    assert "No message found." in page


def test_an_empty_query_shows_just_the_form(client, alice, messages):
    client.force_login(alice)
    response = client.get(reverse("search"), {"q": "   "})
    assert response.status_code == 200
    assert "result" not in response.content.decode().split("<h1>")[1]


def test_anonymous_is_sent_to_sign_in(client, db):
    assert client.get(reverse("search"), {"q": "x"}).status_code == 302


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text ranking is PostgreSQL's")
def test_a_common_word_ranks_only_its_newest_matches(client, alice, general, monkeypatch):
    from chat import queries

    monkeypatch.setattr(queries, "SEARCH_CANDIDATES", 2)
    _oldest, *newer = [_post(general, alice, f"celery note {i}", f"n{i}") for i in range(3)]
    found = list(queries.search_messages(alice, "celery"))
    assert sorted(m.pk for m in found) == sorted(m.pk for m in newer)
