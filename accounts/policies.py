"""Who may do what: one function per verb, shared by pages, htmx endpoints and sockets.

Rooms and boards build on the team verbs here: a team-private room or board is visible to
`can_view_team`, writable by `can_contribute` and administered by `can_manage_team`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from accounts.models import Role, Team, User


def role_of(user: User, team: Team) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return None
    remembered = getattr(user, "_remembered_roles", None)
    if remembered is None:
        return user.role_in(team)
    if team.pk not in remembered:
        remembered[team.pk] = user.role_in(team)
    return remembered[team.pk]


@contextmanager
def roles_remembered(user: User) -> Iterator[None]:
    """Within the block each of `user`'s team roles is read once: a page that asks several
    verbs of one space (view, edit, manage) asks the database once. Only for reads: a write
    that changes a role must not run inside it."""
    user._remembered_roles = {}
    try:
        yield
    finally:
        del user._remembered_roles


def can_view_team(user: User, team: Team) -> bool:
    return role_of(user, team) is not None


def can_contribute(user: User, team: Team) -> bool:
    """Write in the team's rooms and boards: owners and members, not viewers."""
    return role_of(user, team) in (Role.OWNER, Role.MEMBER)


def can_manage_team(user: User, team: Team) -> bool:
    """Invite, change roles, remove members."""
    return role_of(user, team) == Role.OWNER


def can_leave_team(user: User, team: Team) -> bool:
    role = role_of(user, team)
    if role is None:
        return False
    return role != Role.OWNER or team.owner_count() > 1


def can_create_team(user: User) -> bool:
    return user.is_authenticated and user.is_active


class Space(Protocol):
    """A room or a board: public to every signed-in person, or private to one team."""

    team: Team | None
    is_private: bool
    created_by_id: int | None


class RoomLike(Space, Protocol):
    is_archived: bool


class MessageLike(Protocol):
    author_id: int
    room: RoomLike


def _is_direct(space: object) -> bool:
    """A direct conversation: seen and written by its members only, managed by nobody."""
    return getattr(space, "kind", None) == "direct"


def can_view_space(user: User, space: Space) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if _is_direct(space):
        return space.has_member(user)  # type: ignore[attr-defined]
    if not space.is_private:
        return True
    return space.team is not None and can_view_team(user, space.team)


def can_write_space(user: User, space: Space) -> bool:
    """Post in a room. Public spaces: any signed-in person; team viewers read only."""
    if not can_view_space(user, space):
        return False
    if space.team is None:
        return True
    role = role_of(user, space.team)
    if role is None:
        return not space.is_private  # public space of a team one is not in
    return role in (Role.OWNER, Role.MEMBER)


def can_edit_board(user: User, board: Space) -> bool:
    """Boards are written by their team's owners and members (public boards are only read by
    everyone else); a board without a team by its creator."""
    if board.team is None:
        return can_view_space(user, board) and board.created_by_id == user.pk
    return can_contribute(user, board.team)  # owners and members can always see it


def assignable_people(board: Space):
    """Who a board's cards may be assigned to: the people who work on it (its team's active
    owners and members; a board without a team: its creator). Pages offer exactly these and
    the action accepts exactly these."""
    people = User.objects.filter(is_active=True)
    if board.team is None:
        return people.filter(pk=board.created_by_id)
    return people.filter(
        memberships__team=board.team, memberships__role__in=[Role.OWNER, Role.MEMBER]
    ).order_by("display_name", "email")


def can_manage_space(user: User, space: Space) -> bool:
    """Edit a room's topic, archive it, remove a board's columns: team owners or the creator.
    A direct conversation has no topic and is archived by nobody."""
    if _is_direct(space):
        return False
    if space.team is not None and can_manage_team(user, space.team):
        return True  # a team's owners manage every space of it, private ones included
    is_creator = space.created_by_id is not None and space.created_by_id == user.pk
    return is_creator and can_view_space(user, space)


def can_post(user: User, room: RoomLike) -> bool:
    """Post, react, edit one's own messages: not in archived rooms, not as a team viewer."""
    return not room.is_archived and can_write_space(user, room)


def can_moderate(user: User, room: RoomLike) -> bool:
    """Room owners (team owners or its creator) and mentors may delete any message; in a
    direct conversation, each member only their own."""
    if _is_direct(room) or not can_view_space(user, room):
        return False
    return user.track == "mentor" or can_manage_space(user, room)


def can_resolve(user: User, message: MessageLike) -> bool:
    """A thread's question is resolved by the asker, the room's owners and mentors."""
    if message.author_id == user.pk:
        return can_view_space(user, message.room)
    return can_moderate(user, message.room)


def can_message(user: User, other: User) -> bool:
    """Open a direct conversation with `other`: any active person, as anyone signed in may
    already talk to them in a public room (decision 016)."""
    return user.is_authenticated and user.is_active and other.is_active and other.pk != user.pk


def can_pin(user: User, room: RoomLike) -> bool:
    """Pin or unpin a message: a room's moderators; in a direct conversation, any member.
    Not in an archived room (read only)."""
    if room.is_archived:
        return False
    if _is_direct(room):
        return can_view_space(user, room)
    return can_moderate(user, room)


def can_change_direct(user: User, room: RoomLike) -> bool:
    """Name or leave a direct conversation: any of its people, in a group one (opened for
    three or more); a conversation of two is neither named nor left (decision 016)."""
    return (
        _is_direct(room) and bool(getattr(room, "is_group", False)) and can_view_space(user, room)
    )


def can_export(user: User, space: Space | None) -> bool:
    """Export a board or a room's history: whoever may see it (an export shows nothing its
    pages do not). `None`: one's own solved cards, which anyone signed in may export."""
    if space is None:
        return user.is_authenticated and user.is_active
    return can_view_space(user, space)


def can_promote(user: User, message: MessageLike, board: Space) -> bool:
    """Promote a thread to a challenge card: whoever sees the message and edits the board."""
    return can_view_space(user, message.room) and can_edit_board(user, board)


def can_accept(user: User, question: MessageLike) -> bool:
    """Accept a reply as a thread's answer (or change or take back the choice): its asker."""
    room = question.room
    return question.author_id == user.pk and not room.is_archived and can_view_space(user, room)


def can_verify_in(user: User, room: RoomLike) -> bool:
    """Verify accepted answers in `room`: its mentors (not owners: a mentor's word is the
    second level). Not in an archived room."""
    return user.track == "mentor" and not room.is_archived and can_moderate(user, room)


def can_verify(user: User, answer: MessageLike) -> bool:
    """Mark an accepted answer verified: a mentor of the room, not its own author (two
    people, two levels)."""
    return answer.author_id != user.pk and can_verify_in(user, answer.room)


def can_edit_comment(user: User, comment: "CommentLike") -> bool:
    """Edit a card comment: its author, while they still edit the board."""
    return comment.author_id == user.pk and can_edit_board(user, comment.board)


def can_delete_comment(user: User, comment: "CommentLike") -> bool:
    """Delete a card comment: its author while they edit the board, or whoever manages the
    board (its team's owners, or the creator of a board without a team)."""
    return can_edit_comment(user, comment) or can_manage_space(user, comment.board)


class CommentLike(Protocol):
    author_id: int | None
    board: Space


def can_see_queue(user: User) -> bool:
    """The mentor help queue (decision 023): mentors only; each sees the open questions of
    the rooms they can see (a mentor moderates every room they see)."""
    return user.is_authenticated and user.is_active and user.track == "mentor"


def can_claim(user: User, question: MessageLike) -> bool:
    """Say "I'm on it" (or take it back) on an open question: a mentor of its room, not in
    an archived room nor a direct conversation."""
    room = question.room
    return can_see_queue(user) and not room.is_archived and can_moderate(user, room)
