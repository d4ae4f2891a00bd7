"""The GraphQL schema: queries and mutations over HTTP, each calling what REST calls (the
same queries, actions and policies: no second write path), and subscriptions over the socket
(api/gql/consumers.py), fed by the pages' own channel-layer events."""

import functools
from collections.abc import AsyncGenerator

import orjson
import strawberry
from django.shortcuts import get_object_or_404
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import ExecutionContext, Info

from accounts import policies
from accounts.models import Team as TeamModel
from accounts.models import User
from api import answers
from api.gql import errors
from api.gql.errors import Failure
from api.gql.types import (
    ApiReport,
    ApiSchema,
    Board,
    BoardEvent,
    Card,
    CardSaved,
    ColumnCards,
    Comment,
    DirectConversation,
    Me,
    Mention,
    Message,
    MessageEvent,
    PostedMessage,
    Promoted,
    QueueEvent,
    QueueQuestion,
    Reacted,
    Room,
    Team,
    _build,
)
from boards import actions as board_actions
from boards import events as board_events
from boards import queries as board_queries
from boards.models import Board as BoardModel
from boards.models import Card as CardModel
from boards.models import Column as ColumnModel
from chat import actions as chat_actions
from chat import events as room_events
from chat import queries as chat_queries
from chat.events import message_data, queue_data
from chat.models import Message as MessageModel
from chat.models import Room as RoomModel
from nexus_live.writes import read

MAX_DEPTH = 8
MAX_TOKENS = 2_000
MAX_ALIASES = 20


def person(info: Info) -> User:
    """Who asks, over HTTP (a Bearer token or the session). Queries and mutations are HTTP's:
    the socket carries subscriptions only."""
    if "ws" in info.context:
        raise Failure("invalid", "Send queries and mutations over HTTP; the socket subscribes.")
    user = info.context["user"]
    if not user.is_authenticated:
        raise Failure("not_authenticated", "Sign in: a Bearer access token, or the session.")
    return user


def _message(user: User, message_id: int) -> MessageModel:
    """A message of a room the person may see (REST: chat.queries.room_for, then the room's
    messages)."""
    room_id = MessageModel.objects.filter(pk=message_id).values_list("room_id", flat=True).first()
    room = get_object_or_404(chat_queries.visible_rooms(user), pk=room_id)
    return get_object_or_404(chat_queries.messages_of(room), pk=message_id)


def _direct_of(user: User, slug: str) -> RoomModel:
    """One of the person's direct conversations (REST's: a room, or one they left, is absent)."""
    room = chat_queries.room_for(user, slug)
    if not room.is_direct:
        raise RoomModel.DoesNotExist("No such conversation")
    return room


def _direct_answer(user: User, slug: str) -> DirectConversation:
    found = next(dm for dm in chat_queries.direct_conversations(user) if dm["slug"] == slug)
    return DirectConversation.of(answers.direct_answer(found))


def _queue_person(info: Info) -> User:
    user = person(info)
    if not policies.can_see_queue(user):
        raise Failure("forbidden", "The help queue is for mentors.")
    return user


def _claimed(info: Info, id: int, claimed: bool) -> QueueQuestion:
    user = _queue_person(info)
    question = get_object_or_404(chat_queries.questions_visible_to(user), pk=id)
    chat_actions.claim_question(message=question, user=user, claimed=claimed)
    return QueueQuestion.of(queue_data(chat_queries.queue_question(id)))


def _fresh(user: User, message_id: int) -> Message:
    return Message.from_model(_message(user, message_id))


# --- Queries -----------------------------------------------------------------------------------
@strawberry.type
class Query:
    @strawberry.field(description="Who I am.")
    def me(self, info: Info) -> Me:
        return _build(Me, answers.me_data(person(info)))

    @strawberry.field(description="My teams, with my role in each.")
    def teams(self, info: Info) -> list[Team]:
        user = person(info)
        teams = {t.slug: t for t in TeamModel.objects.filter(memberships__user=user)}
        return [_build(Team, t, team=teams[t["slug"]]) for t in answers.teams_data(user)]

    @strawberry.field(description="Rooms I can see, with my unread counts.")
    def rooms(self, info: Info) -> list[Room]:
        rooms = chat_queries.visible_rooms(person(info)).rooms().order_by("name")
        return [Room.of(room) for room in rooms]

    @strawberry.field(description="My direct conversations, latest activity first.")
    def direct_conversations(self, info: Info) -> list[DirectConversation]:
        conversations = chat_queries.direct_conversations(person(info))
        return [DirectConversation.of(answers.direct_answer(dm)) for dm in conversations]

    @strawberry.field(description="One room, by its slug.")
    def room(self, info: Info, slug: str) -> Room:
        return Room.of(chat_queries.room_for(person(info), slug))

    @strawberry.field(description="One message, by its id.")
    def message(self, info: Info, id: int) -> Message:
        return _fresh(person(info), id)

    @strawberry.field(description="Where I was @mentioned, newest first (at most 100).")
    def mentions(self, info: Info) -> list[Mention]:
        found = chat_queries.mentions_of(person(info))
        return [Mention.of(answers.mention_data(mention)) for mention in found]

    @strawberry.field(
        description="Search the messages of every room I can see (best first, at most 50)."
    )
    def search(self, info: Info, q: str) -> list[Message]:
        user = person(info)
        if not q.strip():
            raise Failure("invalid", "Say what to search for: q.")
        return [Message.of(message_data(m)) for m in chat_queries.search_messages(user, q)]

    @strawberry.field(
        description="The help queue: every open question of the rooms I can see, oldest "
        "first (mentors only: others are forbidden; at most 200)."
    )
    def help_queue(self, info: Info) -> list[QueueQuestion]:
        user = _queue_person(info)
        return [QueueQuestion.of(queue_data(q)) for q in chat_queries.help_queue(user)]

    @strawberry.field(description="Boards I can see.")
    def boards(self, info: Info) -> list[Board]:
        boards = board_queries.visible_boards(person(info)).order_by("name")
        return [Board.of(board) for board in boards]

    @strawberry.field(description="One board: its columns and their live cards, in order.")
    def board(self, info: Info, id: int) -> Board:
        return Board.of(get_object_or_404(board_queries.visible_boards(person(info)), pk=id))

    @strawberry.field(description="One card.")
    def card(self, info: Info, id: int) -> Card:
        return Card.from_model(board_queries.card_for(person(info), id))

    @strawberry.field(description="The registered API schemas of one of my teams, newest first.")
    def api_schemas(self, info: Info, team: str) -> list[ApiSchema]:
        from api.views import _team_for, schema_data

        found = _team_for(person(info), team).api_schemas.all()
        return [ApiSchema.of(schema_data(schema)) for schema in found]

    @strawberry.field(description="A card's comments, oldest first (at most 500).")
    def comments(self, info: Info, card: int) -> list[Comment]:
        found = board_queries.card_for(person(info), card)
        comments = board_queries.comments_of(found)[:500]
        for comment in comments:
            comment.card, comment.board = found, found.board
        return [Comment.of(answers.comment_answer(comment)) for comment in comments]


# --- Mutations ---------------------------------------------------------------------------------
@strawberry.input(description="A new card; only title is required.")
class NewCard:
    title: str
    column: int | None = strawberry.field(default=None, description="Default: the first.")
    problem: str | None = strawberry.UNSET
    solution: str | None = strawberry.UNSET
    links: str | None = strawberry.UNSET
    checklist: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    assignees: list[int] | None = strawberry.UNSET


@strawberry.input(description="The fields an edit changes; only those given change.")
class CardChanges:
    title: str | None = strawberry.UNSET
    problem: str | None = strawberry.UNSET
    solution: str | None = strawberry.UNSET
    links: str | None = strawberry.UNSET
    checklist: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    assignees: list[int] | None = strawberry.UNSET


def _given(fields: object) -> dict:
    """The fields a client sent (an explicit null is sent, and refused by the action)."""
    return {k: v for k, v in vars(fields).items() if v is not strawberry.UNSET}


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Register a new version of my team's API schema (owners): the document "
        "(JSON or YAML) now, or a URL fetched in the background (status pending)."
    )
    def register_api_schema(
        self, info: Info, team: str, document: str | None = None, url: str | None = None
    ) -> ApiSchema:
        from api.views import _team_for, schema_data
        from hub import actions as hub_actions

        user = person(info)
        made = hub_actions.register_schema(
            team=_team_for(user, team), user=user, document=document, url=url
        )
        made.refresh_from_db()
        return ApiSchema.of(schema_data(made))

    @strawberry.mutation(
        description="Report what an endpoint of the team's schema answered: a new card."
    )
    def report_api_problem(
        self, info: Info, board: int, schema: int, method: str, path: str, status: int,
        response_body: str, request_path: str = "", request_headers: str = "",
        request_body: str = "", note: str = "",
    ) -> ApiReport:  # fmt: skip
        from hub import actions as hub_actions
        from hub.models import ApiSchema as ApiSchemaModel

        user = person(info)
        space = get_object_or_404(board_queries.visible_boards(user), pk=board)
        bound = get_object_or_404(
            ApiSchemaModel, team_id=space.team_id, version=schema, status="ready"
        )
        fields = {
            "operation": f"{method} {path}", "status": str(status), "note": note,
            "response_body": response_body, "request_path": request_path,
            "request_headers": request_headers, "request_body": request_body,
        }  # fmt: skip
        made = hub_actions.report_problem(board=space, user=user, schema=bound, fields=fields)
        return ApiReport.of(made.as_data())

    @strawberry.mutation(description="Make my team's hub public or private (owners).")
    def set_hub_public(self, info: Info, team: str, public: bool) -> bool:
        from api.views import _team_for
        from hub import actions as hub_actions

        user = person(info)
        hub = hub_actions.set_hub_public(team=_team_for(user, team), user=user, public=public)
        return hub.is_public

    @strawberry.mutation(
        description="Post a message (or a reply: parent), safely retried: the same clientId "
        "answers the message the first try made (replayed: true), never a second one."
    )
    def post_message(
        self, info: Info, room: str, body: str, client_id: str, parent: int | None = None
    ) -> PostedMessage:
        user = person(info)
        space = chat_queries.room_for(user, room)
        parent_message = None
        if parent is not None:
            parent_message = MessageModel.objects.filter(room=space, pk=parent).first()
            if parent_message is None:
                raise Failure("invalid", "Reply to a message of this room.")
        posted = chat_actions.post_message(
            room=space, author=user, body=body, client_id=client_id, parent=parent_message
        )
        return PostedMessage(message=_fresh(user, posted.message.pk), replayed=not posted.created)

    @strawberry.mutation(description="Edit my message.")
    def edit_message(self, info: Info, id: int, body: str) -> Message:
        user = person(info)
        chat_actions.edit_message(message=_message(user, id), user=user, body=body)
        return _fresh(user, id)

    @strawberry.mutation(description="Delete a message (mine; owners and mentors: any).")
    def delete_message(self, info: Info, id: int) -> Message:
        user = person(info)
        chat_actions.delete_message(message=_message(user, id), user=user)
        return _fresh(user, id)

    @strawberry.mutation(description="React to a message, or take the reaction back.")
    def react(self, info: Info, id: int, emoji: str) -> Reacted:
        user = person(info)
        reacted = chat_actions.toggle_reaction(message=_message(user, id), user=user, emoji=emoji)
        return Reacted(reacted=reacted, message=_fresh(user, id))

    @strawberry.mutation(description="Remove a link preview card from my message.")
    def remove_preview(self, info: Info, id: int, preview: int) -> Message:
        user = person(info)
        chat_actions.remove_preview(message=_message(user, id), user=user, preview=preview)
        return _fresh(user, id)

    @strawberry.mutation(description="Mark a question resolved (resolved: false opens it again).")
    def resolve(self, info: Info, id: int, resolved: bool = True) -> Message:
        user = person(info)
        chat_actions.resolve_thread(message=_message(user, id), user=user, resolved=resolved)
        return _fresh(user, id)

    @strawberry.mutation(
        description="Pin a message to its room (pinned: false unpins): owners and mentors; "
        "in a direct conversation, any member."
    )
    def pin_message(self, info: Info, id: int, pinned: bool = True) -> Message:
        user = person(info)
        chat_actions.pin_message(message=_message(user, id), user=user, pinned=pinned)
        return _fresh(user, id)

    @strawberry.mutation(description="Unpin a message (who may pin it may unpin it).")
    def unpin_message(self, info: Info, id: int) -> Message:
        user = person(info)
        chat_actions.pin_message(message=_message(user, id), user=user, pinned=False)
        return _fresh(user, id)

    @strawberry.mutation(
        description="Name a group conversation for all its people (empty: their names). A "
        "conversation of two cannot be named."
    )
    def rename_direct_conversation(self, info: Info, slug: str, name: str) -> DirectConversation:
        user = person(info)
        room = _direct_of(user, slug)
        chat_actions.rename_direct(room=room, user=user, title=name)
        return _direct_answer(user, slug)

    @strawberry.mutation(
        description="Leave a group conversation (true); its messages stay for the others. A "
        "conversation of two cannot be left."
    )
    def leave_direct_conversation(self, info: Info, slug: str) -> bool:
        user = person(info)
        chat_actions.leave_direct(room=_direct_of(user, slug), user=user)
        return True

    @strawberry.mutation(
        description="Accept a reply as its thread's answer (the asker; one at a time: another "
        "accepted before is no longer, and loses its verification)."
    )
    def accept(self, info: Info, id: int) -> Message:
        user = person(info)
        chat_actions.accept_answer(message=_message(user, id), user=user, accepted=True)
        return _fresh(user, id)

    @strawberry.mutation(description="Take back the accepted answer (the asker).")
    def unaccept(self, info: Info, id: int) -> Message:
        user = person(info)
        chat_actions.accept_answer(message=_message(user, id), user=user, accepted=False)
        return _fresh(user, id)

    @strawberry.mutation(
        description="Verify the accepted answer (a mentor of the room, not its author)."
    )
    def verify(self, info: Info, id: int) -> Message:
        user = person(info)
        chat_actions.verify_answer(message=_message(user, id), user=user, verified=True)
        return _fresh(user, id)

    @strawberry.mutation(description="Take back a verification (a mentor of the room).")
    def unverify(self, info: Info, id: int) -> Message:
        user = person(info)
        chat_actions.verify_answer(message=_message(user, id), user=user, verified=False)
        return _fresh(user, id)

    @strawberry.mutation(
        description="Promote a thread (its first message) to a challenge card on one of my "
        "boards. A thread has one card: promoting it again answers that card (created: false)."
    )
    def promote(self, info: Info, id: int, board: int) -> Promoted:
        user = person(info)
        message = _message(user, id)
        space = board_queries.visible_boards(user).filter(pk=board).first()
        if space is None:
            raise Failure("invalid", "No such board of yours.")
        promoted = board_actions.promote_message(message=message, user=user, board=space)
        card = board_queries.card_for(user, promoted.card.pk)
        return Promoted(card=Card.from_model(card), created=promoted.created)

    @strawberry.mutation(
        description="I'm on it: tell the other mentors I am helping with an open question "
        "(several may; a claim stops nobody)."
    )
    def claim(self, info: Info, id: int) -> QueueQuestion:
        return _claimed(info, id, True)

    @strawberry.mutation(description="Take back my claim on a question.")
    def unclaim(self, info: Info, id: int) -> QueueQuestion:
        return _claimed(info, id, False)

    @strawberry.mutation(description="Move my read mark forward to a seq.")
    def mark_read(self, info: Info, room: str, seq: int) -> Room:
        user = person(info)
        if seq < 0:
            raise Failure("invalid", "seq is at least 0.")
        chat_actions.mark_read(room=chat_queries.room_for(user, room), user=user, seq=seq)
        return Room.of(chat_queries.room_for(user, room))

    @strawberry.mutation(description="Add a card to a board.")
    def create_card(self, info: Info, board: int, card: NewCard) -> Card:
        user = person(info)
        space = get_object_or_404(board_queries.visible_boards(user), pk=board)
        fields = _given(card)
        column = None
        if (column_id := fields.pop("column", None)) is not None:
            column = ColumnModel.objects.filter(board=space, pk=column_id).first()
            if column is None:
                raise Failure("invalid", "Add the card to a column of this board.")
        created = board_actions.create_card(board=space, user=user, column=column, **fields)
        return Card.from_model(board_queries.card_for(user, created.pk))

    @strawberry.mutation(
        description="Change a card, from the version you read (baseVersion). If it moved on "
        "since, your change is merged three ways exactly as in the web editor; a true overlap "
        "saves nothing: error edit_conflict, with the fields and the current card."
    )
    def update_card(
        self, info: Info, id: int, base_version: int, changes: CardChanges
    ) -> CardSaved:
        user = person(info)
        card = board_queries.card_for(user, id)
        edit = board_actions.update_card(
            card=card,
            user=user,
            base_version=base_version,
            changes=_given(changes),
            keep_conflicts=False,
        )
        fresh = board_queries.card_for(user, id)
        return CardSaved(
            card=Card.from_model(fresh), merged=edit.merged, conflicts=list(edit.conflicts)
        )

    @strawberry.mutation(
        description="Put a card in a column of its board, above `before` (default: at the end)."
    )
    def move_card(self, info: Info, id: int, column: int, before: int | None = None) -> Card:
        user = person(info)
        card = board_queries.card_for(user, id)
        target = ColumnModel.objects.filter(board=card.board, pk=column).first()
        if target is None:
            raise Failure("invalid", "Move the card to a column of its board.")
        above = None
        if before is not None:
            above = CardModel.objects.filter(board=card.board, pk=before).first()
            if above is None:
                raise Failure("invalid", "Drop the card next to a card of its board.")
        board_actions.move_card(card=card, user=user, column=target, before=above)
        return Card.from_model(board_queries.card_for(user, id))

    @strawberry.mutation(description="Comment on a card (Markdown; @name mentions a person).")
    def add_comment(self, info: Info, card: int, body: str) -> Comment:
        user = person(info)
        target = board_queries.card_for(user, card)
        comment = board_actions.add_comment(card=target, user=user, body=body)
        return Comment.of(answers.comment_answer(board_queries.comment_for(user, comment.pk)))

    @strawberry.mutation(description="Edit my comment (its mentions follow the new text).")
    def edit_comment(self, info: Info, id: int, body: str) -> Comment:
        user = person(info)
        comment = board_queries.comment_for(user, id)
        board_actions.edit_comment(comment=comment, user=user, body=body)
        return Comment.of(answers.comment_answer(board_queries.comment_for(user, id)))

    @strawberry.mutation(description="Delete a comment (mine; the board's owners: any).")
    def delete_comment(self, info: Info, id: int) -> Comment:
        user = person(info)
        comment = board_queries.comment_for(user, id)
        deleted = board_actions.delete_comment(comment=comment, user=user)
        deleted.card = comment.card
        return Comment.of(answers.comment_answer(deleted))

    @strawberry.mutation(description="Mark all my mentions seen (messages and card comments).")
    def mark_mentions_seen(self, info: Info) -> int:
        return chat_actions.mark_mentions_seen(user=person(info))


# --- Subscriptions -----------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def _parsed(text: str) -> dict:
    """A frame's JSON, parsed once however many subscriptions receive it (read only)."""
    return orjson.loads(text)


def _frames(event: dict) -> list[str]:
    if event["type"] == "live.frames":
        return event["frames"]
    return [event["frame"]] if "frame" in event else []


def _columns(value: object) -> list[ColumnCards] | None:
    if isinstance(value, dict):  # a move's order: {column id: [card ids]}
        return [ColumnCards(id=int(k), name=None, cards=v) for k, v in value.items()]
    if isinstance(value, list):  # a board frame's columns, whole
        return [ColumnCards(id=c["id"], name=c["name"], cards=c["cards"]) for c in value]
    return None


def _message_event(frame: dict) -> MessageEvent | None:
    kind = frame["type"]
    if kind in ("message", "message_changed"):
        return MessageEvent(type=kind, event=frame["event"], message=Message.of(frame["data"]))
    if kind in ("synced", "reset"):
        return MessageEvent(type=kind, event=frame["event"], message=None)
    return None  # typing, presence, the room's header: not a message


def _board_event(frame: dict) -> BoardEvent | None:
    kind, data = frame["type"], frame.get("data") or {}
    if kind == "card":
        return BoardEvent(
            type=kind, event=frame["event"], card=Card.of(data), columns=_columns(data.get("order"))
        )
    if kind == "board":
        return BoardEvent(
            type=kind, event=frame["event"], card=None, columns=_columns(data.get("columns"))
        )
    if kind in ("comment", "comment_edited", "comment_deleted"):
        return BoardEvent(
            type=kind, event=frame["event"], card=None, columns=None, comment=Comment.of(data)
        )
    if kind in ("synced", "reset"):
        return BoardEvent(type=kind, event=frame["event"], card=None, columns=None)
    return None  # who is editing what: ephemeral, the pages'


async def _follow(info: Info, find, key, module, group_of, since: int | None, convert):
    """The events of one room or board for as long as the person may see it: join its group
    first, then catch up from `since`, then forward what the pages receive. Access is looked
    at again whenever it may have changed; lost, the subscription ends with not_found."""
    ws = info.context.get("ws")
    if ws is None:
        raise Failure("invalid", "Subscribe over the WebSocket (graphql-transport-ws).")
    try:
        space = await read(find, ws.user, key)
    except Exception as exc:
        raise (errors.failure(exc) or exc) from exc
    async with ws.listening([group_of(space)]) as events:
        if since is not None:
            for text in await read(module.events_since, space, since):
                if (item := convert(_parsed(text))) is not None:
                    yield item
        while True:
            event = await events.get()
            if event["type"] in ("access.changed", "live.space_changed"):
                if not await read(_still_visible, ws.user, space):
                    raise Failure("not_found", "No longer yours to see.")
            for text in _frames(event):
                if (item := convert(_parsed(text))) is not None:
                    yield item


def _whole_queue(user: User | None) -> QueueEvent | None:
    """The person's whole queue as an event; None if they may no longer see one."""
    if user is None or not policies.can_see_queue(user):
        return None
    questions = [QueueQuestion.of(queue_data(q)) for q in chat_queries.help_queue(user)]
    return QueueEvent(type="queue", id=None, question=None, questions=questions)


def _queue_event(frame: dict) -> QueueEvent | None:
    if frame["type"] == "queue_item":
        question = QueueQuestion.of(frame["data"])
        return QueueEvent(type="queue_item", id=frame["id"], question=question, questions=None)
    if frame["type"] == "queue_removed":
        return QueueEvent(type="queue_removed", id=frame["id"], question=None, questions=None)
    return None


def _still_visible(user: User | None, space) -> bool:
    if user is None:
        return False
    fresh = type(space).objects.select_related("team").filter(pk=space.pk).first()
    return fresh is not None and policies.can_view_space(user, fresh)


def _room_of(user: User, slug: str) -> RoomModel:
    return chat_queries.room_for(user, slug)


def _board_of(user: User, board_id: int) -> BoardModel:
    return get_object_or_404(board_queries.visible_boards(user), pk=board_id)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="A room's messages as they are posted, edited, deleted (the events the "
        "pages receive). since: the last event you have (a room's lastEvent) to catch up from."
    )
    async def room_messages(
        self, info: Info, room: str, since: int | None = None
    ) -> AsyncGenerator[MessageEvent, None]:
        messages = _follow(
            info, _room_of, room, room_events, room_events.room_group, since, _message_event
        )
        async for item in messages:
            yield item

    @strawberry.subscription(
        description="The mentor help queue (decision 023): the whole queue first, then each "
        "question that is new, changed or gone. Mentors only."
    )
    async def help_queue(self, info: Info) -> AsyncGenerator[QueueEvent, None]:
        ws = info.context.get("ws")
        if ws is None:
            raise Failure("invalid", "Subscribe over the WebSocket (graphql-transport-ws).")
        if ws.user is None or not policies.can_see_queue(ws.user):
            raise Failure("forbidden", "The help queue is for mentors.")
        while True:  # again whenever the person's teams change: other groups to listen to
            groups = await read(room_events.queue_groups, ws.user)
            async with ws.listening(groups) as events:
                whole = await read(_whole_queue, ws.user)
                if whole is None:
                    raise Failure("forbidden", "The help queue is for mentors.")
                yield whole
                while True:
                    event = await events.get()
                    if event["type"] in ("access.changed", "queue.stale"):
                        if set(await read(room_events.queue_groups, ws.user)) != set(groups):
                            break
                        if (whole := await read(_whole_queue, ws.user)) is None:
                            raise Failure("forbidden", "The help queue is for mentors.")
                        yield whole
                    for text in _frames(event):
                        if (item := _queue_event(_parsed(text))) is not None:
                            yield item

    @strawberry.subscription(
        description="A board's changes: cards added, edited, moved, archived; columns; "
        "comments posted, edited, deleted. since: the last event you have (a board's "
        "lastEvent) to catch up from."
    )
    async def board_changes(
        self, info: Info, board: int, since: int | None = None
    ) -> AsyncGenerator[BoardEvent, None]:
        changes = _follow(
            info, _board_of, board, board_events, board_events.board_group, since, _board_event
        )
        async for item in changes:
            yield item


class NexusSchema(strawberry.Schema):
    def process_errors(
        self, errors_: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Every error gets its code; only bugs are logged (with their traceback)."""
        for error in errors_:
            if errors.describe(error):
                errors.log.error("GraphQL request failed", exc_info=error.original_error)


schema = NexusSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ],
)
