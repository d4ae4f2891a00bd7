"""`seed_demo` creates the demo people, team, rooms and board, and can run again."""

from django.core.management import call_command

from accounts.models import Membership, Team, User
from boards.models import Board, Card
from chat.models import Room


def test_it_seeds_once_however_often_it_runs(db, settings, tmp_path, capsys):
    settings.VAR_DIR, settings.DEBUG = tmp_path, True  # the tests run with DEBUG off
    call_command("seed_demo")
    call_command("seed_demo")
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "alice@nexus.test", "bob@nexus.test", "charlie@nexus.test",
    ]  # fmt: skip
    team = Team.objects.get(slug="project-nexus")
    assert Membership.objects.filter(team=team).count() == 2  # charlie stays an outsider
    assert sorted(Room.objects.values_list("slug", flat=True)) == ["general", "help"]
    board = Board.objects.get(team=team)
    assert Card.objects.filter(board=board).count() == 5
    password = (tmp_path / "demo-password").read_text().strip()
    assert User.objects.get(email="bob@nexus.test").check_password(password)
    assert password in capsys.readouterr().out
