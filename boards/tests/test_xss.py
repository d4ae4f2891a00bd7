"""Every XSS payload of the corpus, fed through card fields and names, stays text."""

import pytest
from django.urls import reverse

from boards import actions
from boards.models import Card
from tests.xss_corpus import XSS_PAYLOADS, unsafe_parts

MARKUP = [p for p in XSS_PAYLOADS if "<" in p or '"' in p]


@pytest.mark.parametrize("payload", MARKUP)
def test_card_fields_render_as_text(client, alice, vera, board, payload):
    card = actions.create_card(
        board=board, user=alice, title=payload[:200], problem=payload, solution=payload,
        tags=[payload[:40].replace(",", " ")],
    )  # fmt: skip
    title = Card.objects.get(pk=card.pk).title
    client.force_login(vera)  # a viewer sees the rendered Markdown, not the editor
    for url in (
        board.get_absolute_url(),
        reverse("boards:card", args=[board.pk, card.pk]),
        reverse("boards:activity", args=[board.pk]),
    ):
        html = client.get(url).content.decode()
        assert title not in html, url
    rendered = client.get(reverse("boards:card", args=[board.pk, card.pk])).content.decode()
    body = rendered.split('<div class="rendered">', 1)[1].split("</div>", 1)[0]
    assert unsafe_parts(body) == []


def test_column_and_board_names_render_as_text(client, alice, board):
    payload = '<img src=x onerror="alert(1)">'
    actions.add_column(board=board, user=alice, name=payload)
    client.force_login(alice)
    assert payload not in client.get(board.get_absolute_url()).content.decode()
