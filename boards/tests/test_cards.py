"""Cards: versions, merges instead of overwrites, moves, archive, columns, activity, export."""

import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Membership, Role
from boards import actions
from boards.models import Activity, Card, CardRevision
from conftest import make_person


def _edit(card, user, version, **changes):
    card = Card.objects.select_related("board").get(pk=card.pk)
    return actions.update_card(card=card, user=user, base_version=version, changes=changes)


def test_an_edit_on_the_current_version_applies(card, bob):
    edit = _edit(card, bob, 1, title="Slow API responses")
    card.refresh_from_db()
    assert (edit.version, edit.merged, card.version, card.title) == (
        2,
        False,
        2,
        "Slow API responses",
    )
    assert CardRevision.objects.get(card=card, version=2).snapshot["title"] == "Slow API responses"


def test_edits_to_different_fields_both_survive(card, alice, bob):
    _edit(card, alice, 1, title="Slow API (p99 2 s)")
    edit = _edit(card, bob, 1, problem="Lists take 2 s")  # bob started from version 1 too
    card.refresh_from_db()
    assert edit.merged and edit.conflicts == []
    assert (card.title, card.problem, card.version) == ("Slow API (p99 2 s)", "Lists take 2 s", 3)


def test_edits_to_different_lines_both_survive(card, alice, bob):
    _edit(card, alice, 1, solution="line 1 — cache with Redis\nline 2\nline 3\n")
    _edit(card, bob, 1, solution="line 1\nline 2\nline 3 — paginate by cursor\n")
    card.refresh_from_db()
    assert card.solution == "line 1 — cache with Redis\nline 2\nline 3 — paginate by cursor\n"
    assert not card.has_conflict


def test_a_true_overlap_keeps_both_texts(card, alice, bob):
    _edit(card, alice, 1, solution="line 1\nALICE\nline 3\n")
    edit = _edit(card, bob, 1, solution="line 1\nBOB\nline 3\n")
    card.refresh_from_db()
    assert edit.conflicts == ["solution"]
    assert "ALICE" in card.solution and "BOB" in card.solution
    assert actions.CONFLICT_MARK in card.solution and card.has_conflict
    # resolving it clears the flag
    _edit(card, alice, card.version, solution="line 1\nALICE and BOB\nline 3\n")
    card.refresh_from_db()
    assert not card.has_conflict


def test_tags_added_by_both_are_kept(card, alice, bob):
    _edit(card, alice, 1, tags=["Redis"])
    _edit(card, bob, 1, tags=["Caching", "redis"])  # case-insensitive names
    card.refresh_from_db()
    assert sorted(t.name.lower() for t in card.tags.all()) == ["caching", "redis"]


@pytest.mark.parametrize(
    ("changes", "version", "message"),
    [
        ({"title": "x" * 10_000}, 1, "at most 200"),
        ({"title": "   "}, 1, "needs a title"),
        ({"title": "ok"}, 7, "does not exist yet"),
        ({"title": "ok"}, 0, "which version"),
        ({"colour": "red"}, 1, "Unknown field"),
        ({"solution": 42}, 1, "is text"),
        ({"links": "javascript:alert(1)"}, 1, "http or https"),
        ({"tags": [f"t{i}" for i in range(20)]}, 1, "at most 12 tags"),
        ({}, 1, "which fields"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(card, bob, changes, version, message):
    with pytest.raises(ValidationError, match=message):
        _edit(card, bob, version, **changes)
    card.refresh_from_db()
    assert (card.version, card.title) == (1, "Slow API")
    assert not Activity.objects.filter(card=card, verb="edited a card").exists()


def test_assignees_must_see_the_board(card, bob, charlie):
    with pytest.raises(ValidationError, match="work on this board"):
        _edit(card, bob, 1, assignees=[charlie.pk])
    _edit(card, bob, 1, assignees=[bob.pk])
    assert list(card.assignees.all()) == [bob]


def test_the_page_offers_exactly_whom_the_action_accepts(client, alice, bob, vera, charlie, team):
    """A public team board: its active owners and members, never a viewer, an outsider or a
    deactivated member (the page and the action ask the same policy)."""
    board = actions.create_board(user=alice, name="Open", team=team, public=True)
    card = actions.create_card(board=board, user=alice, title="Who helps?")
    gone = make_person("gone@example.com", "Gone")
    Membership.objects.create(team=team, user=gone, role=Role.MEMBER)
    gone.is_active = False
    gone.save()
    client.force_login(alice)
    page = client.get(card.get_absolute_url()).content.decode()
    offered = {int(pk) for pk in re.findall(r'name="assignees" value="(\d+)"', page)}
    assert offered == {alice.pk, bob.pk}
    for person in (vera, charlie, gone):
        with pytest.raises(ValidationError, match="work on this board"):
            _edit(card, alice, card.version, assignees=[person.pk])
    _edit(card, alice, 1, assignees=[alice.pk, bob.pk])


def test_a_public_team_board_says_it_is_public(client, alice, charlie, team):
    board = actions.create_board(user=alice, name="Open", team=team, public=True)
    client.force_login(charlie)
    page = client.get(board.get_absolute_url()).content.decode()
    assert '<span class="badge">public</span>' in page
    assert "Project Nexus only" not in page


def test_viewers_and_outsiders_cannot_edit(card, vera, charlie):
    for person in (vera, charlie):
        with pytest.raises(PermissionDenied):
            _edit(card, person, 1, title="mine")


def test_every_change_is_in_the_activity_log(card, bob):
    _edit(card, bob, 1, title="Slow API responses")
    entry = Activity.objects.get(card=card, verb="edited a card")
    assert entry.actor == bob
    assert entry.changes == {"title": ["Slow API", "Slow API responses"]}


def test_moves_are_ordered_on_the_server(board, alice):
    todo, doing, _ = board.columns.all()
    cards = [
        actions.create_card(board=board, user=alice, column=todo, title=f"c{i}") for i in range(3)
    ]
    actions.move_card(card=cards[2], user=alice, column=todo, before=cards[0])
    assert list(todo.cards.values_list("title", flat=True)) == ["c2", "c0", "c1"]
    actions.move_card(card=cards[0], user=alice, column=doing)
    assert list(doing.cards.values_list("title", flat=True)) == ["c0"]


def test_repeated_moves_into_one_gap_renumber_the_column(board, alice):
    todo = board.columns.first()
    first = actions.create_card(board=board, user=alice, column=todo, title="first")
    last = actions.create_card(board=board, user=alice, column=todo, title="last")
    for i in range(60):  # halving the same gap 60 times exhausts a float
        card = actions.create_card(board=board, user=alice, column=todo, title=f"m{i}")
        actions.move_card(card=card, user=alice, column=todo, before=last)
        last = card
    titles = list(todo.cards.values_list("title", flat=True))
    assert titles[0] == "first" and len(titles) == 62
    assert titles[1:] == [f"m{i}" for i in range(59, -1, -1)] + ["last"]
    positions = list(todo.cards.values_list("position", flat=True))
    assert positions == sorted(set(positions))
    assert first.pk


def test_a_card_cannot_move_to_another_boards_column(card, alice, other_board):
    with pytest.raises(ValidationError, match="own board"):
        actions.move_card(card=card, user=alice, column=other_board.columns.first())


def test_archive_and_restore(card, bob, client):
    actions.archive_card(card=card, user=bob)
    client.force_login(bob)
    assert "Slow API" not in client.get(card.board.get_absolute_url()).content.decode()
    actions.archive_card(card=card, user=bob, archived=False)
    assert "Slow API" in client.get(card.board.get_absolute_url()).content.decode()


def test_a_column_with_cards_asks_where_they_go(board, card, alice):
    challenge, investigating, _ = board.columns.all()
    with pytest.raises(ValidationError, match="choose where they go"):
        actions.remove_column(column=challenge, user=alice)
    actions.remove_column(column=challenge, user=alice, move_to=investigating)
    card.refresh_from_db()
    assert card.column == investigating
    assert list(board.columns.values_list("name", flat=True)) == ["Investigating", "Solved"]


def test_columns_are_added_renamed_and_moved(board, alice):
    column = actions.add_column(board=board, user=alice, name="Blocked")
    actions.rename_column(column=column, user=alice, name="Waiting")
    actions.move_column(column=column, user=alice, offset=-1)
    names = list(board.columns.values_list("name", flat=True))
    assert names == ["Challenge", "Investigating", "Waiting", "Solved"]


def test_exports_read_as_a_write_up_and_as_data(client, board, card, bob):
    _edit(card, bob, 1, problem="Lists take 2 s", tags=["Redis"])
    client.force_login(bob)
    markdown = client.get(reverse("boards:export", args=[board.pk, "md"])).content.decode()
    assert "# Real-world challenges" in markdown and "### Slow API" in markdown
    assert "**Problem**\n\nLists take 2 s" in markdown and "Tags: Redis" in markdown
    data = json.loads(client.get(reverse("boards:export", args=[board.pk, "json"])).content)
    (exported,) = data["cards"]
    assert (exported["title"], exported["tags"], exported["version"]) == ("Slow API", ["Redis"], 2)


def test_filters(client, board, alice, bob):
    todo = board.columns.first()
    redis = actions.create_card(board=board, user=alice, column=todo, title="Cache", tags=["Redis"])
    mine = actions.create_card(
        board=board, user=alice, column=todo, title="JWT", assignees=[bob.pk]
    )
    client.force_login(bob)
    url = board.get_absolute_url()
    by_tag = client.get(url, {"tag": "redis"}).content.decode()
    assert f'id="card-{redis.pk}"' in by_tag and f'id="card-{mine.pk}"' not in by_tag
    by_person = client.get(url, {"assignee": bob.pk}).content.decode()
    assert f'id="card-{mine.pk}"' in by_person and f'id="card-{redis.pk}"' not in by_person
    by_text = client.get(url, {"q": "jwt"}).content.decode()
    assert f'id="card-{mine.pk}"' in by_text and f'id="card-{redis.pk}"' not in by_text


def test_a_board_of_1000_cards_renders_in_a_fixed_number_of_queries(
    client, board, alice, bob, django_assert_max_num_queries
):
    columns = list(board.columns.all())
    Card.objects.bulk_create(
        Card(board=board, column=columns[i % 3], title=f"card {i}", position=i) for i in range(1000)
    )
    client.force_login(bob)
    with django_assert_max_num_queries(15):
        response = client.get(board.get_absolute_url())
    assert response.content.decode().count('class="card"') == 1000


@pytest.mark.parametrize("value", ["²", "99999999999999999999999"])
def test_odd_filter_values_find_nothing_instead_of_failing(client, board, card, bob, value):
    client.force_login(bob)
    response = client.get(board.get_absolute_url(), {"column": value, "assignee": value})
    assert response.status_code == 200
    assert f'id="card-{card.pk}"' not in response.content.decode()


def test_two_long_titles_that_clash_keep_both_without_failing(card, alice, bob):
    _edit(card, alice, 1, title="A" * 190)
    edit = _edit(card, bob, 1, title="B" * 190)
    card.refresh_from_db()
    assert edit.conflicts == ["title"]
    assert card.title == "A" * 190 and "B" * 190 in card.problem
    assert card.has_conflict


def test_a_malformed_link_is_refused_clearly(card, bob):
    with pytest.raises(ValidationError, match="http or https"):
        _edit(card, bob, 1, links="http://[oops")
