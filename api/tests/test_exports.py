"""Exports over the API: start one, read its progress, fetch its file; bad input is a 400,
someone else's export or a board one cannot see a 404."""

from exports import runner
from exports.models import Export
from exports.tests import conftest as fixtures

# The exports tests' board, cards, room and a media folder per test, here too.
board, cards, room, media = fixtures.board, fixtures.cards, fixtures.room, fixtures.media


def test_it_starts_an_export_and_answers_where_it_stands(bearer, bob, board, cards):
    response = bearer(bob).post(
        "/api/v1/exports/", {"kind": "board", "board": board.pk, "format": "csv"}, format="json"
    )
    assert response.status_code == 202
    answer = response.json()
    assert (answer["kind"], answer["format"], answer["board"]) == ("board", "csv", board.pk)
    runner.run(answer["id"])
    done = bearer(bob).get(f"/api/v1/exports/{answer['id']}/").json()
    assert (done["status"], done["progress"], done["items_total"]) == ("done", 100, 2)
    assert done["file_url"] == f"/api/v1/exports/{answer['id']}/file/"
    file = bearer(bob).get(done["file_url"])
    assert file.status_code == 200 and file["Content-Disposition"].startswith("attachment")
    assert b"Slow API" in b"".join(file.streaming_content)
    assert [item["id"] for item in bearer(bob).get("/api/v1/exports/").json()] == [answer["id"]]


def test_a_bad_format_is_a_400(bearer, bob, board, room):
    client = bearer(bob)
    for fields in (
        {"kind": "board", "board": board.pk, "format": "xml"},
        {"kind": "room", "room": room.slug, "format": "csv"},
        {"kind": "board", "format": "md"},
    ):
        response = client.post("/api/v1/exports/", fields, format="json")
        assert response.status_code == 400, fields
        assert response["Content-Type"] == "application/problem+json"
    assert not Export.objects.exists()


def test_an_outsider_can_neither_export_nor_read_anothers(bearer, bob, charlie, board, room):
    client = bearer(charlie)
    for fields in ({"kind": "board", "board": board.pk}, {"kind": "room", "room": room.slug}):
        response = client.post("/api/v1/exports/", {**fields, "format": "md"}, format="json")
        assert response.status_code == 404
    export = bearer(bob).post(
        "/api/v1/exports/", {"kind": "portfolio", "format": "md"}, format="json"
    )
    export = export.json()
    runner.run(export["id"])
    assert client.get(f"/api/v1/exports/{export['id']}/").status_code == 404
    assert client.get(f"/api/v1/exports/{export['id']}/file/").status_code == 404


def test_the_boards_json_export_answers_small_boards_only(bearer, bob, board, cards, settings):
    assert bearer(bob).get(f"/api/v1/boards/{board.pk}/export/").status_code == 200
    settings.EXPORT_INLINE_MAX_CARDS = 1
    response = bearer(bob).get(f"/api/v1/boards/{board.pk}/export/")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
