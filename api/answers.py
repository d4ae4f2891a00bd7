"""What the API answers about each thing, as JSON built once: REST (api/views.py) and GraphQL
(api/gql/) answer the same data, which for a message or a card is the `data` the live events
carry (`chat.events.message_data`, `boards.events.card_data`)."""

from accounts.models import Invite, Membership, Team, User
from boards import queries as board_queries
from boards.events import card_data, comment_data
from boards.models import Activity, Board
from chat.events import message_data, room_data
from chat.models import Mention, Room


def me_data(user: User) -> dict:
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "display_name": user.display_name,
        "track": user.track,
        "avatar_url": user.avatar_url,
    }


def teams_data(user: User) -> list[dict]:
    """The person's teams, with their role in each."""
    memberships = Membership.objects.filter(user=user).select_related("team")
    return [
        {
            "slug": m.team.slug,
            "name": m.team.name,
            "description": m.team.description,
            "role": m.role,
        }
        for m in memberships.order_by("team__name")
    ]


def members_data(team: Team) -> list[dict]:
    members = team.memberships.select_related("user").order_by("user__display_name")
    return [
        {"id": m.user.pk, "name": m.user.name, "track": m.user.track, "role": m.role}
        for m in members
    ]


def room_answer(room: Room) -> dict:
    """The live `room` frame's data, plus where the room stands for this person (a room from
    `chat.queries.visible_rooms`)."""
    return {
        **room_data(room),
        "slug": room.slug,
        "team": room.team.slug if room.team_id else None,
        "last_seq": room.last_seq,
        "last_event": room.last_event,
        "last_read_seq": room.last_read_seq,
        "unread": max(0, room.unread or 0),
    }


def direct_answer(conversation: dict) -> dict:
    """One of `chat.queries.direct_conversations`, as the API says it."""
    return {
        "id": conversation["id"],
        "slug": conversation["slug"],
        "title": conversation["title"],
        "name": conversation["name"],
        "group": conversation["group"],
        "others": conversation["others"],
        "unread": conversation["unread"],
        "last_seq": conversation["last_seq"],
        "last_read_seq": conversation["read"],
        "last_activity": conversation["last_activity"].isoformat(),
    }


def board_answer(board: Board) -> dict:
    return {
        "id": board.pk,
        "name": board.name,
        "team": board.team.slug if board.team_id else None,
        "private": board.is_private,
        "last_event": board.last_event,
    }


def board_detail(board: Board) -> dict:
    """A board with its columns, each with its live cards in order."""
    columns = [
        {"id": column.pk, "name": column.name, "cards": [card_data(card) for card in cards]}
        for column, cards in board_queries.live_columns(board)
    ]
    return {**board_answer(board), "columns": columns}


def mention_data(mention: Mention) -> dict:
    """A mention in a message (`room`, `message`) or in a card comment (`comment`, with its
    card's title and board's name); `kind` says which, `url` opens it in the app."""
    answer = {
        "kind": mention.kind,
        "created_at": mention.created_at.isoformat(),
        "seen": mention.seen_at is not None,
        "url": mention.get_absolute_url(),
        "room": None,
        "message": None,
        "comment": None,
    }
    if mention.message_id:
        answer.update(room=mention.message.room.slug, message=message_data(mention.message))
    else:
        answer["comment"] = comment_answer(mention.comment)
    return answer


def comment_answer(comment) -> dict:
    """A card comment as the live `comment` frames carry it, with where it is."""
    return {
        **comment_data(comment),
        "card_title": comment.card.title,
        "board_name": comment.board.name,
        "mentions": [m.user_id for m in comment.mentions.all()],
    }


def invite_data(invite: Invite, request) -> dict:
    return {
        "token": invite.token,
        "url": request.build_absolute_uri(invite.get_absolute_url()),
        "role": invite.role,
        "expires_at": invite.expires_at.isoformat(),
    }


def activity_data(entry: Activity) -> dict:
    actor = entry.actor
    return {
        "event": entry.event,
        "created_at": entry.created_at.isoformat(),
        "actor": {"id": actor.pk, "name": actor.name} if actor else None,
        "verb": entry.verb,
        "card": entry.card_id,
        "changes": entry.changes,
    }
