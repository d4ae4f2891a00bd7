"""Due dates, coloured labels and checklist progress: on the tile, in frames and the API."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from boards import actions
from boards import events as board_events
from boards.models import Activity, Card, Label
from boards.queries import card_for_render, render_card

TODAY = timezone.localdate()


def _edit(card, user, **changes):
    card = Card.objects.select_related("board").get(pk=card.pk)
    return actions.update_card(card=card, user=user, base_version=card.version, changes=changes)


def _tile(card):
    return render_card(card_for_render(card.pk))


def test_an_overdue_card_says_so_in_words(card, bob):
    _edit(card, bob, due=(TODAY - datetime.timedelta(days=1)).isoformat())
    tile = _tile(card)
    assert "due-overdue" in tile and "Overdue" in tile


def test_a_card_due_tomorrow_is_due_soon_and_one_next_month_is_just_due(card, bob):
    _edit(card, bob, due=TODAY + datetime.timedelta(days=1))
    assert "Due soon" in _tile(card)
    _edit(card, bob, due=(TODAY + datetime.timedelta(days=30)).isoformat())
    tile = _tile(card)
    assert "Due " in tile and "soon" not in tile and "Overdue" not in tile
    _edit(card, bob, due="")
    card.refresh_from_db()
    assert card.due is None and "due-" not in _tile(card)


@pytest.mark.parametrize("value", ["tomorrow", "2026-02-30", 20261201, ["2026-12-01"]])
def test_a_bad_due_date_is_refused_clearly(card, bob, value):
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        _edit(card, bob, due=value)


def test_two_new_due_dates_merge_to_the_later_save(card, alice, bob):
    card = Card.objects.select_related("board").get(pk=card.pk)
    actions.update_card(card=card, user=alice, base_version=1, changes={"due": "2027-01-10"})
    edit = actions.update_card(card=card, user=bob, base_version=1, changes={"due": "2027-01-20"})
    card.refresh_from_db()
    assert card.due == datetime.date(2027, 1, 20) and edit.conflicts == []


def test_labels_are_created_assigned_shown_and_removed(board, card, alice, bob):
    blocked = actions.create_label(board=board, user=bob, name="Blocked", colour="red")
    _edit(card, bob, labels=[blocked.pk])
    tile = _tile(card)
    assert 'class="label label-red"' in tile and "Blocked" in tile
    frame = json.loads(board_events.changed_card_frame(card.pk, by=bob))
    assert frame["data"]["labels"] == [{"id": blocked.pk, "name": "Blocked", "colour": "red"}]
    entry = Activity.objects.filter(card=card).first()
    assert entry.readable_changes() == [{"label": "Labels", "summary": "+Blocked"}]
    actions.remove_label(label=blocked, user=alice)
    card.refresh_from_db()
    assert list(card.labels.all()) == [] and "Blocked" not in _tile(card)


def test_label_names_are_unique_per_board_and_colours_from_the_palette(board, bob):
    actions.create_label(board=board, user=bob, name="Blocked", colour="red")
    with pytest.raises(ValidationError, match="already has a label"):
        actions.create_label(board=board, user=bob, name="blocked", colour="blue")
    with pytest.raises(ValidationError, match="Choose a colour"):
        actions.create_label(board=board, user=bob, name="Odd", colour="#ff0000")


def test_a_card_takes_only_its_own_boards_labels(board, other_board, card, bob, charlie):
    theirs = actions.create_label(board=other_board, user=charlie, name="Theirs", colour="blue")
    with pytest.raises(ValidationError, match="this board's labels"):
        _edit(card, bob, labels=[theirs.pk])


def test_a_reader_cannot_make_labels(public_board, bob):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.create_label(board=public_board, user=bob, name="X", colour="red")


def test_the_board_filters_by_label_and_lists_labels(client, board, card, alice, bob):
    label = actions.create_label(board=board, user=bob, name="Needs review", colour="purple")
    other = actions.create_card(board=board, user=alice, title="Other")
    _edit(card, bob, labels=[label.pk])
    client.force_login(bob)
    page = client.get(board.get_absolute_url(), {"label": label.pk}).content.decode()
    assert f'id="card-{card.pk}"' in page and f'id="card-{other.pk}"' not in page
    assert "Remove label Needs review" in page


def test_labels_and_due_dates_save_over_http_too(client, board, card, bob):
    label = actions.create_label(board=board, user=bob, name="Blocked", colour="red")
    client.force_login(bob)
    url = reverse("boards:card", args=[board.pk, card.pk])
    fields = {"version": 1, "title": card.title, "solution": card.solution, "due": "2027-03-01"}
    client.post(url, {**fields, "labels": [label.pk]})
    card.refresh_from_db()
    assert card.due == datetime.date(2027, 3, 1) and list(card.labels.all()) == [label]


def test_label_pages_add_and_remove(client, board, bob):
    client.force_login(bob)
    client.post(reverse("boards:add_label", args=[board.pk]), {"name": "Blocked", "colour": "red"})
    label = Label.objects.get(board=board)
    url = reverse("boards:add_label", args=[board.pk])
    response = client.post(url, {"name": "x", "colour": "?"}, follow=True)
    assert "Choose a colour" in response.content.decode()
    client.post(reverse("boards:label", args=[board.pk, label.pk]))
    assert not Label.objects.filter(pk=label.pk).exists()


def test_checklist_progress_counts_done_of_total(card, bob):
    _edit(
        card, bob, checklist="[x] measure\n[ ] cache\n- [x] paginate",
        problem="Steps:\n- [ ] profile\n- [x] reproduce\nnot [x] an item",
    )  # fmt: skip
    card.refresh_from_db()
    assert card.checklist_progress() == (3, 5)
    tile = _tile(card)
    assert "3/5" in tile and "Checklist: 3 of 5 done" in tile
    data = board_events.card_data(card_for_render(card.pk))
    assert (data["checklist_done"], data["checklist_total"]) == (3, 5)
