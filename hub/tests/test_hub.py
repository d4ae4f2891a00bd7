"""The team's hub: generated from its boards and rooms, read by its members, by anyone once an
owner makes it public — and then nothing from a private board or room is in it — and
downloadable as a zip through the exports app."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from boards import actions as board_actions
from chat import actions as chat_actions
from chat.models import Message
from exports import actions as export_actions
from exports import runner
from hub import actions
from hub.content import Hub


def _thread(room, asker, helper, question, answer, n):
    asked = chat_actions.post_message(
        room=room, author=asker, body=question, client_id=f"q{n}"
    ).message
    reply = chat_actions.post_message(
        room=room, author=helper, body=answer, client_id=f"a{n}", parent=asked
    ).message
    chat_actions.accept_answer(message=reply, user=asker)
    Message.objects.filter(pk=reply.pk).update(verified_by=helper, verified_at=timezone.now())
    return asked


def _solve(card, user):
    board_actions.move_card(card=card, user=user, column=card.board.columns.last())


@pytest.fixture
def world(team, alice, bob, schema):
    public = board_actions.create_board(
        user=alice, name="Public challenges", team=team, public=True
    )
    secret = board_actions.create_board(user=alice, name="Secret board", team=team)
    hidden_room = chat_actions.create_room(user=alice, name="hideout", team=team, is_private=True)
    open_room = chat_actions.create_room(user=alice, name="general", team=team)
    hidden_q = _thread(hidden_room, bob, alice, "Why does Celery retry twice?", "acks_late", 1)
    open_q = _thread(open_room, bob, alice, "How do I paginate with a cursor?", "Use seq", 2)
    from_hidden = board_actions.promote_message(message=hidden_q, user=bob, board=public).card
    from_open = board_actions.promote_message(message=open_q, user=bob, board=public).card
    traversal = board_actions.create_card(
        board=public, user=bob, title="../../etc/passwd <script>alert(1)</script>",
        problem="<img src=x onerror=alert(1)>", solution="Validate input.",
        tags=["best-practice", "Django"],
    )  # fmt: skip
    secret_card = board_actions.create_card(
        board=secret, user=bob, title="Rotate the leaked token", solution="Secret sauce",
        tags=["Vault"],
    )  # fmt: skip
    for card in (from_hidden, from_open, traversal, secret_card):
        card.refresh_from_db()
        if card.column != card.board.columns.last():
            _solve(card, bob)
    board_actions.add_comment(card=from_open, user=bob, body="Thanks!")
    return {"hidden": from_hidden, "open": from_open, "traversal": traversal,
            "secret": secret_card}  # fmt: skip


def _all_text(hub: Hub) -> str:
    return "\n".join(hub.file(name) for name in hub.names())


def test_the_team_reads_everything(team, world):
    hub = Hub(team, public=False)
    text = _all_text(hub)
    assert "Rotate the leaked token" in text and "Secret sauce" in text
    assert "Alice (accepted answer)" in text and "Discussed in #hideout" in text
    readme = hub.file("README.md")
    assert "**Public challenges**" in readme and "Vault" in readme and "Django" in readme
    assert "api_docs/pets-api-v1.json" in hub.names()
    assert "# Best practices" in hub.file("best_practices.md")


def test_a_public_hub_holds_nothing_private(team, world):
    hub = Hub(team, public=True)
    text = _all_text(hub)
    for secret in ("Rotate the leaked token", "Secret sauce", "Secret board", "Vault", "hideout"):
        assert secret not in text, secret
    hidden = hub.file(hub.challenge_name(world["hidden"]))
    assert "Why does Celery retry twice?" in hidden  # the card is on a public board…
    assert "accepted answer" not in hidden and "Discussed in" not in hidden  # …its room is not
    opened = hub.file(hub.challenge_name(world["open"]))
    assert "Discussed in #general" in opened and "Bob (commented)" in opened


def test_file_names_cannot_climb_out(team, world):
    names = Hub(team, public=False).names()
    assert all(".." not in name and "\\" not in name and not name.startswith("/") for name in names)
    assert any(name.endswith("-etcpasswd-scriptalert1script.md") for name in names)


def test_pages_are_escaped(as_person, team, world):
    hub = Hub(team, public=False)
    page = as_person("bob").get(
        reverse("hub:file", args=[team.slug, hub.challenge_name(world["traversal"])])
    )
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;" in page.text


@pytest.mark.parametrize("public", [False, True])
@pytest.mark.parametrize("who", ["anonymous", "charlie", "vera", "bob", "alice"])
def test_who_reads_the_hub(as_person, team, alice, world, who, public):
    actions.set_hub_public(team=team, user=alice, public=public)
    client = as_person(who)
    readme = client.get(reverse("hub:page", args=[team.slug]))
    secret = reverse("hub:file", args=[team.slug, Hub(team, public=False).challenge_name(
        world["secret"])])  # fmt: skip
    member = who in ("vera", "bob", "alice")
    if member:
        assert readme.status_code == 200 and "Secret board" in readme.text
        assert client.get(secret).status_code == 200
    elif public:
        assert readme.status_code == 200 and "Public challenges" in readme.text
        assert "Secret board" not in readme.text
        assert client.get(secret).status_code == 404
    else:
        assert readme.status_code == (302 if who == "anonymous" else 404)
        assert client.get(secret).status_code == (302 if who == "anonymous" else 404)


def test_a_removed_member_reads_only_what_is_public(as_person, team, alice, bob, world):
    Membership.objects.filter(team=team, user=bob).delete()
    client = as_person("bob")
    assert client.get(reverse("hub:page", args=[team.slug])).status_code == 404
    actions.set_hub_public(team=team, user=alice, public=True)
    readme = client.get(reverse("hub:page", args=[team.slug]))
    assert readme.status_code == 200 and "Secret board" not in readme.text
    with pytest.raises(PermissionDenied):
        export_actions.start_export(user=bob, kind="hub", format="zip", team=team)


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("charlie", 404), ("vera", 404), ("bob", 404)]
)
def test_only_owners_make_it_public(as_person, team, world, who, status):
    answer = as_person(who).post(reverse("hub:visibility", args=[team.slug]), {"public": "1"})
    assert answer.status_code == status
    assert not Hub(team, public=True).is_public


def test_the_owner_makes_it_public_and_private_again(as_person, team, world):
    client = as_person("alice")
    url = reverse("hub:visibility", args=[team.slug])
    assert client.post(url, {"public": "1"}).status_code == 302
    client.logout()
    assert client.get(reverse("hub:page", args=[team.slug])).status_code == 200
    as_person("alice").post(url, {"public": "0"})
    as_person("alice").logout()
    assert client.get(reverse("hub:page", args=[team.slug])).status_code == 302


def test_the_zip_holds_the_hub(team, bob, world, media):
    export = export_actions.start_export(user=bob, kind="hub", format="zip", team=team)
    assert runner.run(export.pk) is True
    export.refresh_from_db()
    assert (export.status, export.content_type) == ("done", "application/zip")
    assert export.filename.endswith(".zip")
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert "project-nexus/README.md" in names and "project-nexus/best_practices.md" in names
    assert "project-nexus/api_docs/pets-api-v1.json" in names
    assert sum(name.startswith("project-nexus/challenges/") for name in names) == 4
    assert all(name.startswith("project-nexus/") and ".." not in name for name in names)
    assert archive.testzip() is None
    readme = archive.read("project-nexus/README.md").decode()
    assert "Rotate the leaked token" in readme
    assert export.items_done == len(names)


def test_the_zips_links_lead_back_to_the_site(team, bob, world, media, settings):
    """A downloaded file is read away from the site: its links to the card and the thread are
    the site's full addresses (SITE_DOMAIN), not paths; the pages keep paths."""
    settings.SITE_DOMAIN = "nexus.example"
    export = export_actions.start_export(user=bob, kind="hub", format="zip", team=team)
    assert runner.run(export.pk) is True
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    challenges = [n for n in archive.namelist() if n.startswith("project-nexus/challenges/")]
    texts = [archive.read(name).decode() for name in challenges]
    assert any("(<https://nexus.example/boards/" in text for text in texts)
    assert not any("(</boards/" in text for text in texts)
    page = Hub(team, public=False).file(challenges[0].removeprefix("project-nexus/"))
    assert "(</boards/" in page


def test_the_zip_is_refused_once_removed(team, bob, world):
    export = export_actions.start_export(user=bob, kind="hub", format="zip", team=team)
    Membership.objects.filter(team=team, user=bob).delete()
    assert runner.run(export.pk) is False
    export.refresh_from_db()
    assert export.status == "failed" and "no longer" in export.error


def test_the_exports_page_starts_a_hub_zip(as_person, team, world):
    answer = as_person("bob").post(
        reverse("exports:list"), {"kind": "hub", "format": "zip", "team": team.slug}
    )
    assert answer.status_code == 302
    assert (
        as_person("charlie")
        .post(reverse("exports:list"), {"kind": "hub", "format": "zip", "team": team.slug})
        .status_code
        == 404
    )


def test_the_api_sets_visibility_and_exports(team, alice, bob, world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(bob)
    url = reverse("api:hub", args=[team.slug])
    assert client.put(url, {"public": True}, format="json").status_code == 403
    client.force_authenticate(alice)
    answer = client.put(url, {"public": True}, format="json")
    assert answer.status_code == 200 and answer.json()["public"] is True
    started = client.post(
        reverse("api:exports"), {"kind": "hub", "format": "zip", "team": team.slug}, format="json"
    )
    assert started.status_code == 202 and started.json()["team"] == team.slug


def test_a_challenge_page_links_to_its_card_and_thread(as_person, team, world):
    """The hub's own links were written as autolinks of paths (`</boards/1/cards/2/>`), which
    Markdown only makes of absolute URLs: the page showed them as text."""
    card = world["open"]
    name = Hub(team, public=False).challenge_name(card)
    page = as_person("bob").get(reverse("hub:file", args=[team.slug, name]))
    assert f'href="{card.get_absolute_url()}"' in page.text
    assert f'href="{card.source.get_absolute_url()}"' in page.text
    assert "&lt;/boards/" not in page.text and "&lt;/rooms/" not in page.text


def test_the_hub_links_back_to_the_team_and_its_schemas(as_person, team, alice, world):
    member = as_person("bob").get(reverse("hub:page", args=[team.slug]))
    assert f'href="{team.get_absolute_url()}"' in member.text
    assert f'href="{reverse("hub:schemas", args=[team.slug])}"' in member.text
    actions.set_hub_public(team=team, user=alice, public=True)
    visitor = as_person("charlie").get(reverse("hub:page", args=[team.slug]))
    assert visitor.status_code == 200  # an outsider reads the public hub, not the schemas
    assert f'href="{reverse("hub:schemas", args=[team.slug])}"' not in visitor.text


def test_a_new_teams_hub_says_what_comes_there(as_person, team):
    """With nothing solved yet, README's challenges were an empty table: a header and no row."""
    readme = Hub(team, public=False).file("README.md")
    assert "| Challenge | Solution | Board |" not in readme
    assert "No challenge solved yet" in readme
    page = as_person("bob").get(reverse("hub:page", args=[team.slug]))
    assert page.status_code == 200 and "No challenge solved yet" in page.text


def test_the_members_hub_says_nothing_of_another_teams_private_room(
    as_person, team, alice, bob, charlie, schema
):
    """A member of two teams promotes a thread of the other team's private room to this team's
    board: the card's page tells this team's members only "a room you cannot see"; the hub
    (read by all of them, zipped for any of them) must not name the room nor its people."""
    from accounts.models import Role, Team

    other = Team.objects.create(name="Other team", slug="other-team")
    Membership.objects.create(team=other, user=charlie, role=Role.OWNER)
    Membership.objects.create(team=other, user=bob, role=Role.MEMBER)
    room = chat_actions.create_room(user=charlie, name="war-room", team=other, is_private=True)
    asked = _thread(room, bob, charlie, "Which key leaked?", "The staging one", 9)
    board = board_actions.create_board(user=alice, name="Ours", team=team)
    card = board_actions.promote_message(message=asked, user=bob, board=board).card
    card.refresh_from_db()
    if card.column != card.board.columns.last():
        _solve(card, bob)
    hub = Hub(team, public=False)
    text = _all_text(hub)
    assert "Which key leaked?" in text  # the card itself is the team's
    assert "war-room" not in text and "Charlie" not in text
    page = as_person("alice").get(reverse("hub:file", args=[team.slug, hub.challenge_name(card)]))
    assert page.status_code == 200
    assert "war-room" not in page.text and "Charlie" not in page.text
