"""Board exports: only the formats there are, and Markdown that carries no raw HTML."""

import pytest
from django.urls import reverse

from boards import actions

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def hostile_card(board, alice):
    return actions.create_card(
        board=board,
        user=alice,
        title=XSS,
        problem=f"Seen {XSS} here\n\n```html\n<b>kept as code</b>\n```\n",
        solution="Use `<script>` tags? No.",
        tags=["<svg onload=x>"],
        checklist=f"[x] {XSS}",
        links=f"https://example.com/?a=1&b=2\nhttps://example.com/>{XSS}",
    )


def _export(client, board, fmt):
    return client.get(reverse("boards:export", args=[board.pk, fmt]))


@pytest.mark.parametrize("fmt", ["xml", "exe", "MD", "html"])
def test_it_answers_404_for_an_unknown_format(client, board, bob, fmt):
    client.force_login(bob)
    assert _export(client, board, fmt).status_code == 404


def test_it_still_exports_markdown_and_json(client, board, bob):
    client.force_login(bob)
    assert _export(client, board, "md")["Content-Type"].startswith("text/markdown")
    assert _export(client, board, "json")["Content-Type"] == "application/json"


def test_it_escapes_html_in_the_markdown(client, board, hostile_card, bob):
    client.force_login(bob)
    markdown = _export(client, board, "md").content.decode()
    assert "<img" not in markdown and "<svg" not in markdown
    assert "### &lt;img src=x onerror=alert(1)&gt;" in markdown
    assert "Seen &lt;img src=x onerror=alert(1)> here" in markdown
    assert "- [x] &lt;img src=x onerror=alert(1)&gt;" in markdown
    assert "- <https://example.com/?a=1&b=2>" in markdown
    assert "- https://example.com/&gt;&lt;img" in markdown
    # Code is shown as written: a Markdown reader does not decode entities there.
    assert "```html\n<b>kept as code</b>\n```" in markdown
    assert "Use `<script>` tags? No." in markdown
