"""Rough edges a new person found on boards: duplicate column names, exports, who sees
"Remove column", readable activity."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from boards import actions
from boards import events as board_events
from boards.models import Activity, Card, Column


def test_a_second_column_of_the_same_name_is_refused(board, alice):
    with pytest.raises(ValidationError, match="already has a column"):
        actions.add_column(board=board, user=alice, name="  solved ")
    assert board.columns.count() == 3


def test_a_column_cannot_be_renamed_to_another_ones_name(board, alice):
    investigating = board.columns.get(name="Investigating")
    with pytest.raises(ValidationError, match="already has a column named “Challenge”"):
        actions.rename_column(column=investigating, user=alice, name="CHALLENGE")
    actions.rename_column(column=investigating, user=alice, name="investigating")  # its own name
    assert board.columns.filter(name="investigating").exists()


def test_the_database_refuses_duplicate_column_names_too(board):
    with pytest.raises(IntegrityError), transaction.atomic():
        Column.objects.create(board=board, name="challenge", position=99)


def test_the_same_column_name_on_two_boards_is_fine(board, public_board):
    assert public_board.columns.filter(name="Challenge").exists()


def test_the_board_page_says_why_a_column_was_refused(client, board, alice):
    client.force_login(alice)
    response = client.post(
        reverse("boards:add_column", args=[board.pk]), {"name": "Solved"}, follow=True
    )
    assert "already has a column named “Solved”" in response.content.decode()


@pytest.mark.parametrize("fmt", ["exe", "MD", "md.exe", "html", "csv"])
def test_an_unknown_export_format_is_404(client, board, bob, fmt):
    client.force_login(bob)
    response = client.get(f"/boards/{board.pk}/export.{fmt}")
    assert response.status_code == 404


def test_the_markdown_export_escapes_raw_html_and_says_problem(client, board, card, bob):
    card = Card.objects.select_related("board").get(pk=card.pk)
    changes = {"title": "<img src=x onerror=alert(1)>", "problem": "A <script>x</script> & `<b>`"}
    actions.update_card(card=card, user=bob, base_version=1, changes=changes)
    actions.add_column(board=board, user=bob, name="<i>Later</i>")
    client.force_login(bob)
    markdown = client.get(reverse("boards:export", args=[board.pk, "md"])).content.decode()
    assert "<img" not in markdown and "<script" not in markdown and "<i>" not in markdown
    assert "### &lt;img src=x onerror=alert(1)&gt;" in markdown
    assert "## &lt;i&gt;Later&lt;/i&gt;" in markdown
    assert "**Problem**\n\nA &lt;script>x&lt;/script> & `<b>`" in markdown
    assert "Challenge**" not in markdown


def test_remove_column_is_for_owners_even_after_a_live_column_change(client, board, alice, bob):
    client.force_login(bob)  # a member
    page = client.get(board.get_absolute_url()).content.decode()
    assert 'data-can-manage="false"' in page and "Remove column" not in page
    # One fragment for everyone: owners keep the form after a live change, the others' pages
    # drop what is marked manager-only.
    frame = json.loads(board_events.board_frame(board, board.last_event))
    assert 'class="stack manager-only"' in frame["html"] and "Remove column" in frame["html"]
    client.force_login(alice)
    assert 'data-can-manage="true"' in client.get(board.get_absolute_url()).content.decode()


def test_a_member_removing_a_column_is_told_why_on_the_board(client, board, bob):
    client.force_login(bob)
    column = board.columns.get(name="Solved")
    url = reverse("boards:column", args=[board.pk, column.pk])
    response = client.post(url, {"op": "remove"}, follow=True)
    assert response.status_code == 200
    assert "Only the board&#x27;s owners can remove columns." in response.content.decode()
    htmx = client.post(url, {"op": "remove"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 403
    assert htmx.content.decode() == "Only the board's owners can remove columns."


def _summary(entry: Activity) -> str:
    return " ".join(render_to_string("boards/activity.html#entry", {"entry": entry}).split())


def test_activity_reads_as_sentences(board, card, alice, bob):
    actions.archive_card(card=card, user=alice)
    actions.archive_card(card=card, user=alice, archived=False)
    restored, archived = Activity.objects.filter(card=card)[:2]
    assert "archived the card" in _summary(archived)
    assert "restored the card" in _summary(restored)
    assert "True" not in _summary(archived) and "False" not in _summary(restored)


def test_long_text_changes_are_summed_up_not_dumped(board, card, bob):
    card = Card.objects.select_related("board").get(pk=card.pk)
    solution = "".join(f"line {i}\n" for i in range(1, 40))
    actions.update_card(card=card, user=bob, base_version=1, changes={"solution": solution})
    text = _summary(Activity.objects.filter(card=card).first())
    assert "Solution" in text and "+36 lines" in text
    assert "line 30" not in text  # not the whole text twice
