"""Who may do what with a team's schemas, reports and hub (built on accounts.policies)."""

from accounts import policies
from accounts.models import Team, User


def can_register_schema(user: User, team: Team) -> bool:
    return policies.can_manage_team(user, team)


def can_see_schemas(user: User, team: Team) -> bool:
    return policies.can_view_team(user, team)


def can_report(user: User, board) -> bool:
    """Report an API problem on a board of a team: whoever edits the board."""
    return board.team is not None and policies.can_edit_board(user, board)


def can_publish_hub(user: User, team: Team) -> bool:
    return policies.can_manage_team(user, team)


def hub_audience(user: User, team: Team) -> str | None:
    """ "team": a member reads the whole hub; "public": anyone reads what is public of a
    public hub; None: nothing (a 404)."""
    if policies.can_view_team(user, team):
        return "team"
    settings = getattr(team, "hub", None)
    if settings is not None and settings.is_public:
        return "public"
    return None
