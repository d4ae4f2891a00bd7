"""The Exports page: starting an export from a board or a room, watching it, downloading it;
only what one may see, only one's own files; the old board addresses kept."""

import pytest
from django.urls import reverse

from exports import runner
from exports.models import Export
from exports.tests.conftest import start

LIST = "/exports/"


def _post(client, **fields):
    return client.post(LIST, fields)


def test_it_starts_a_board_export_and_shows_it_ready(
    client, bob, board, cards, eager, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued on commit
        response = _post(client, kind="board", board=board.pk, format="csv")
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}#export-{export.pk}"
    page = client.get(LIST).content.decode()  # the embedded default wrote it at once
    assert f'id="export-{export.pk}" data-status="done"' in page
    assert f'href="/exports/{export.pk}/download"' in page


def test_the_download_is_an_attachment_for_its_owner_only(client, bob, alice, board, cards):
    export = start(bob, board=board, format="json")
    runner.run(export.pk)
    client.force_login(alice)  # she may see the board, but the file is bob's
    assert client.get(f"/exports/{export.pk}/download").status_code == 404
    client.force_login(bob)
    response = client.get(f"/exports/{export.pk}/download")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="board-real-world-challenges-'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b'"name": "Real-world challenges"' in b"".join(response.streaming_content)


def test_an_unfinished_export_has_nothing_to_download(client, bob, board):
    export = start(bob, board=board)
    client.force_login(bob)
    assert client.get(f"/exports/{export.pk}/download").status_code == 404


@pytest.mark.parametrize(
    ("who", "target"),
    [("charlie", "board"), ("charlie", "room"), ("anonymous", "board")],
)
def test_an_outsider_cannot_export_what_they_cannot_see(as_person, board, room, who, target):
    client = as_person(who)
    fields = {"kind": target, "format": "md", target: board.pk if target == "board" else room.slug}
    response = _post(client, **fields)
    assert response.status_code == (302 if who == "anonymous" else 404)
    assert not Export.objects.exists()


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"kind": "board", "format": "xml"}, "Board exports are written as Markdown, JSON, CSV."),
        ({"kind": "room", "format": "csv"}, "Room history exports are written as Markdown, JSON."),
        ({"kind": "portfolio", "format": "json"}, "My solved cards exports are written as"),
        ({"kind": "everything", "format": "md"}, "Choose what to export"),
    ],
)
def test_a_bad_format_or_kind_is_a_400_that_says_why(client, bob, board, room, fields, said):
    client.force_login(bob)
    fields = {**fields, "board": board.pk, "room": room.slug}
    response = _post(client, **fields)
    assert response.status_code == 400 and said in response.content.decode()
    assert not Export.objects.exists()


def test_a_board_that_does_not_exist_or_a_bad_id_is_a_404(client, bob):
    client.force_login(bob)
    assert _post(client, kind="board", board=987654, format="md").status_code == 404
    assert _post(client, kind="board", board="x", format="md").status_code == 404


def test_a_person_writes_a_few_exports_at_a_time(client, bob, board, settings):
    client.force_login(bob)
    for _ in range(settings.EXPORT_MAX_ACTIVE):
        start(bob, board=board)
    response = _post(client, kind="portfolio", format="md")
    assert response.status_code == 400 and "wait for one to finish" in response.content.decode()


def test_the_page_lists_mine_only(client, bob, alice, board):
    start(alice, board=board)
    mine = start(bob, kind="portfolio")
    client.force_login(bob)
    page = client.get(LIST).content.decode()
    assert f'id="export-{mine.pk}"' in page and page.count('class="export"') == 1


def test_the_board_and_room_pages_offer_exports(client, bob, board, room):
    client.force_login(bob)
    board_page = client.get(board.get_absolute_url()).content.decode()
    assert 'form="board-export"' in board_page and '<option value="csv">CSV</option>' in board_page
    room_page = client.get(room.get_absolute_url()).content.decode()
    assert "History as Markdown" in room_page


def test_the_old_address_answers_a_small_board_at_once(client, bob, board, cards):
    client.force_login(bob)
    response = client.get(reverse("boards:export", args=[board.pk, "md"]))
    assert response.status_code == 200 and b"### Slow API" in response.content
    assert not Export.objects.exists()


def test_the_old_address_offers_a_large_board_in_the_background(
    client, bob, board, cards, settings
):
    settings.EXPORT_INLINE_MAX_CARDS = 1
    client.force_login(bob)
    response = client.get(reverse("boards:export", args=[board.pk, "json"]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Export Real-world challenges as JSON" in page
    assert not Export.objects.exists()  # a GET starts nothing: the button does


def test_the_page_offers_the_hub_of_each_of_ones_teams(client, bob, charlie, team):
    """A team's hub zip was only reachable from the hub's page: the Exports page, where a new
    person looks for exports, did not say it existed."""
    client.force_login(bob)
    page = client.get(LIST).content.decode()
    assert '<input type="hidden" name="kind" value="hub">' in page
    assert f'<input type="hidden" name="team" value="{team.slug}">' in page
    assert f"Export the hub of {team.name}" in page
    client.force_login(charlie)  # in no team: nothing to offer
    assert 'name="kind" value="hub"' not in client.get(LIST).content.decode()
