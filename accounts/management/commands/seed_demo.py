"""Create demo people, a team, rooms and a board; safe to run again and again."""

import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import actions as team_actions
from accounts.models import Role, Team, Track, User
from boards import actions as board_actions
from boards.models import Board
from chat import actions as chat_actions
from chat.models import Room

PEOPLE = [
    ("alice@nexus.test", "Alice", Track.BACKEND, Role.OWNER),
    ("bob@nexus.test", "Bob", Track.FRONTEND, Role.MEMBER),
    ("charlie@nexus.test", "Charlie", Track.MENTOR, None),
]

TEAM_SLUG = "project-nexus"

ROOMS = [
    ("general", "Say hello, share what you are working on"),
    ("help", "Stuck? Paste the traceback here"),
]

# The programme's own "Real-world challenges & solutions" table.
CHALLENGES = [
    ("Handling long-running tasks", "Implemented Celery with RabbitMQ", "Celery, RabbitMQ"),
    ("Slow API performance", "Applied Redis caching and pagination", "Redis, Caching"),
    ("Token expiration issues", "Introduced JWT refresh tokens", "JWT"),
    ("Frontend CORS errors", "Enabled CORS handling via middleware", "CORS"),
    ("API versioning", "Used DRF `DefaultRouter` + versioned URLs", "DRF"),
]


def _demo_password() -> str:
    """One random password per checkout, kept in var/ so every run prints the same one."""
    path = settings.VAR_DIR / "demo-password"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"nexus-{secrets.token_urlsafe(9)}\n")
    return path.read_text().strip()


class Command(BaseCommand):
    help = "Create alice, bob, charlie, the Project Nexus team, rooms and a board (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password", help="Password for the demo people (default: a new random one)."
        )

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG and not options["password"]:
            raise CommandError("Refusing to create demo people with DEBUG off.")
        password = options["password"] or _demo_password()
        with transaction.atomic():
            people = [
                self._person(email, name, track, password) for email, name, track, _ in PEOPLE
            ]
            alice = people[0]
            team = self._team(alice)
            for person, (_, _, _, role) in zip(people, PEOPLE, strict=True):
                if role and person != alice and not team.memberships.filter(user=person).exists():
                    team_actions.add_member(team=team, user=alice, member=person, role=role)
            for name, topic in ROOMS:
                if not Room.objects.filter(slug=name).exists():
                    chat_actions.create_room(user=alice, name=name, topic=topic)
            chat_actions.open_direct(alice, [people[1]])  # the same one on every run
            self._board(team, alice)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in as (development only):"))
        for email, *_ in PEOPLE:
            self.stdout.write(f"  {email}  password: {password}")

    def _person(self, email: str, name: str, track: str, password: str) -> User:
        user, _ = User.objects.get_or_create(
            email=email, defaults={"display_name": name, "track": track}
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _team(self, alice: User) -> Team:
        """Project Nexus, made by alice (its owner) the first time."""
        team = Team.objects.filter(slug=TEAM_SLUG).first()
        if team is None:
            team = team_actions.create_team(
                user=alice, name="Project Nexus", description="ALX ProDev Backend learners"
            )
        return team

    def _board(self, team: Team, alice: User) -> None:
        if Board.objects.filter(name="Real-world challenges", team=team).exists():
            return
        board = board_actions.create_board(user=alice, name="Real-world challenges", team=team)
        solved = board.columns.get(name="Solved")
        for challenge, solution, tags in CHALLENGES:
            board_actions.create_card(
                board=board, user=alice, column=solved, title=challenge,
                problem=f"{challenge} — what we ran into.", solution=solution,
                tags=[tag.strip() for tag in tags.split(",")],
            )  # fmt: skip
