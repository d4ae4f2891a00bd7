"""`seed_demo` creates the demo people, team, rooms and board, and can run again."""

from django.core.management import call_command

from accounts import actions
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
    assert sorted(Room.objects.rooms().values_list("slug", flat=True)) == ["general", "help"]
    (dm,) = Room.objects.filter(kind="direct")  # alice and bob's, once
    assert sorted(dm.members.values_list("user__email", flat=True)) == [
        "alice@nexus.test", "bob@nexus.test",
    ]  # fmt: skip
    board = Board.objects.get(team=team)
    assert Card.objects.filter(board=board).count() == 5
    password = (tmp_path / "demo-password").read_text().strip()
    assert User.objects.get(email="bob@nexus.test").check_password(password)
    assert password in capsys.readouterr().out


def test_it_makes_the_team_through_the_actions(db, settings, tmp_path, monkeypatch):
    """The team and its members come from create_team and add_member: the owner check and
    the events of the one write path, not rows made behind their back."""
    settings.VAR_DIR, settings.DEBUG = tmp_path, True
    calls = []

    def spy(action):
        def called(**kwargs):
            calls.append(action.__name__)
            return action(**kwargs)

        return called

    for action in (actions.create_team, actions.add_member):
        monkeypatch.setattr(actions, action.__name__, spy(action))
    call_command("seed_demo")
    assert calls == ["create_team", "add_member"]  # alice owns it by creating it; bob joins
    team = Team.objects.get(slug="project-nexus")
    assert dict(team.memberships.values_list("user__email", "role")) == {
        "alice@nexus.test": "owner", "bob@nexus.test": "member",
    }  # fmt: skip
    calls.clear()
    call_command("seed_demo")
    assert calls == []
