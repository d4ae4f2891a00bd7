"""The GraphQL types: each is built from the JSON the REST API answers (api/answers.py and the
live events' `message_data`/`card_data`), so both APIs, and the live events, speak one shape."""

import dataclasses

import strawberry
from strawberry.scalars import JSON

from api import answers
from api.gql.errors import Failure
from boards.events import card_data
from boards.models import Board as BoardModel
from boards.models import Card as CardModel
from chat import queries as chat_queries
from chat.events import message_data
from chat.models import Room as RoomModel

PAGE_MAX = 100


def _build(cls, data: dict, **nested: object):
    """`cls` from the JSON `data` (keys as the fields' snake_case names; others ignored)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{**{k: v for k, v in data.items() if k in names}, **nested})


@strawberry.type
class Person:
    id: int
    name: str


@strawberry.type
class Me:
    id: int
    email: str
    name: str
    display_name: str
    track: str
    avatar_url: str


@strawberry.type
class Member:
    id: int
    name: str
    track: str
    role: str


@strawberry.type
class Team:
    slug: str
    name: str
    description: str
    role: str = strawberry.field(description="Mine in this team.")
    team: strawberry.Private[object]

    @strawberry.field(description="The team's members.")
    def members(self) -> list[Member]:
        return [_build(Member, m) for m in answers.members_data(self.team)]


@strawberry.type
class Reaction:
    emoji: str
    count: int
    users: list[int]


@strawberry.type(description="A file of a message; fetch `url` signed in, or the REST API's.")
class Attachment:
    id: int
    name: str
    size: int
    content_type: str
    image: bool
    width: int | None
    height: int | None
    url: str
    thumbnail_url: str | None


@strawberry.type(
    description="A link's preview card: title, description and site are the page's own "
    "words (untrusted text); `imageUrl` is our copy of its image, fetched signed in."
)
class LinkPreview:
    id: int
    url: str
    title: str
    description: str
    site_name: str
    image_url: str | None
    image_width: int | None
    image_height: int | None


@strawberry.type(description="A mentor's verification of an accepted answer.")
class Verified:
    by: Person
    at: str = strawberry.field(description="ISO 8601.")

    @classmethod
    def of(cls, data: dict | None) -> "Verified | None":
        return None if data is None else cls(by=_build(Person, data["by"]), at=data["at"])


@strawberry.type(description="The challenge card a thread was promoted to.")
class CardLink:
    id: int
    board: int
    url: str


@strawberry.type(description="The thread a card was promoted from (no room name: ids only).")
class CardSource:
    message: int
    room: int
    url: str


@strawberry.type(description="The reply its asker accepted as the thread's answer.")
class AcceptedAnswer:
    message: int
    author: Person
    url: str


@strawberry.type
class Message:
    id: int
    room: int
    seq: int = strawberry.field(description="Gapless per room: the order of the timeline.")
    event: int = strawberry.field(description="The room event of this message's last change.")
    author: Person
    client_id: str
    parent: int | None = strawberry.field(description="The thread's first message.")
    body: str = strawberry.field(description="Markdown, as written; empty once deleted.")
    body_html: str = strawberry.field(description="Rendered and sanitised: safe to insert.")
    created_at: str = strawberry.field(description="ISO 8601.")
    edited_at: str | None
    deleted: bool
    resolved: bool
    reply_count: int
    reactions: list[Reaction]
    attachments: list[Attachment]
    previews: list[LinkPreview] = strawberry.field(
        description="Cards of its first links, once fetched."
    )
    pinned: bool = strawberry.field(description="Pinned to its room's header.")
    accepted: bool = strawberry.field(description="This reply is its thread's accepted answer.")
    verified: Verified | None = strawberry.field(description="A mentor verified this answer.")
    answer: int | None = strawberry.field(description="A thread's first message: its answer.")
    card: CardLink | None = strawberry.field(description="The card this thread became.")

    @classmethod
    def of(cls, data: dict) -> "Message":
        """From `message_data` (what REST answers, what a live frame carries)."""
        card = data.get("card")
        return _build(
            cls,
            data,
            author=_build(Person, data["author"]),
            reactions=[_build(Reaction, r) for r in data["reactions"]],
            attachments=[_build(Attachment, a) for a in data["attachments"]],
            previews=[_build(LinkPreview, p) for p in data["previews"]],
            verified=Verified.of(data.get("verified")),
            card=None if card is None else _build(CardLink, card),
        )

    @classmethod
    def from_model(cls, message) -> "Message":
        return cls.of(message_data(message))


@strawberry.type(description="A comment on a card.")
class Comment:
    id: int
    card: int
    board: int
    event: int = strawberry.field(description="The board event of its latest change.")
    author: Person | None
    body: str
    body_html: str
    created_at: str = strawberry.field(description="ISO 8601.")
    edited_at: str | None = strawberry.field(description="ISO 8601, once edited.")
    deleted: bool
    card_title: str | None = strawberry.field(
        default=None, description="Null in subscriptions (the card is known there)."
    )
    board_name: str | None = strawberry.field(default=None, description="Null in subscriptions.")
    mentions: list[int] | None = strawberry.field(
        default=None, description="The ids of the people it mentions (null in subscriptions)."
    )

    @classmethod
    def of(cls, data: dict) -> "Comment":
        author = data["author"]
        return _build(cls, data, author=_build(Person, author) if author else None)


@strawberry.type(description="Where I was @mentioned: in a message, or in a card comment.")
class Mention:
    kind: str = strawberry.field(description="message or comment.")
    created_at: str = strawberry.field(description="ISO 8601.")
    seen: bool
    url: str = strawberry.field(description="Where it is in the app (a path).")
    room: str | None = strawberry.field(description="The room's slug (kind: message).")
    message: Message | None = strawberry.field(description="Kind: message.")
    comment: Comment | None = strawberry.field(description="Kind: comment.")

    @classmethod
    def of(cls, data: dict) -> "Mention":
        message = Message.of(data["message"]) if data["message"] else None
        comment = Comment.of(data["comment"]) if data["comment"] else None
        return _build(cls, data, message=message, comment=comment)


@strawberry.type
class MessagePage:
    results: list[Message]
    has_more: bool = strawberry.field(description="More in the direction asked.")
    next_after: int | None = strawberry.field(description="`after` of the next page.")
    next_before: int | None = strawberry.field(description="`before` of the page before.")


@strawberry.type(description="One of my direct conversations (its messages: `room(slug)`).")
class DirectConversation:
    id: int
    slug: str
    title: str = strawberry.field(description="Its name, else the other people's names.")
    name: str = strawberry.field(description="The name its people gave it, or empty.")
    group: bool = strawberry.field(description="3+ people: any of them may name or leave it.")
    others: list[Person]
    unread: int
    last_seq: int
    last_read_seq: int
    last_activity: str = strawberry.field(description="ISO 8601: the newest message's time.")

    @classmethod
    def of(cls, data: dict) -> "DirectConversation":
        """From `api.answers.direct_answer` (what REST answers)."""
        return _build(cls, data, others=[_build(Person, p) for p in data["others"]])


@strawberry.type
class Room:
    id: int
    slug: str
    name: str
    topic: str
    team: str | None = strawberry.field(description="The team's slug; null: public.")
    private: bool
    archived: bool
    last_seq: int = strawberry.field(description="The newest message's seq.")
    last_event: int = strawberry.field(description="The newest event: a subscription's since.")
    last_read_seq: int | None
    unread: int
    room: strawberry.Private[RoomModel]

    @classmethod
    def of(cls, room: RoomModel) -> "Room":
        """From a room of `chat.queries.visible_rooms` (access already checked)."""
        return _build(cls, answers.room_answer(room), room=room)

    @strawberry.field(
        description="A page of messages by seq, oldest first: `before` pages back from the "
        "newest (replies left out: they live in their thread), `after` pages forward "
        "(catch-up, replies included), `thread` gives one thread's first message and replies."
    )
    def messages(
        self,
        after: int | None = None,
        before: int | None = None,
        limit: int = chat_queries.PAGE,
        thread: int | None = None,
    ) -> MessagePage:
        if after is not None and before is not None:
            raise Failure("invalid", "Ask for after or before, not both.")
        if not 1 <= limit <= PAGE_MAX:
            raise Failure("invalid", f"limit must be 1-{PAGE_MAX}.")
        if (after is not None and after < 0) or (before is not None and before < 1):
            raise Failure("invalid", "after is at least 0, before at least 1.")
        page, more = chat_queries.message_page(
            self.room, after=after, before=before, limit=limit, thread=thread
        )
        return MessagePage(
            results=[Message.from_model(message) for message in page],
            has_more=more,
            next_after=page[-1].seq if page else after,
            next_before=page[0].seq if page else None,
        )


@strawberry.type
class Label:
    id: int
    name: str
    colour: str


@strawberry.type
class Card:
    id: int
    board: int
    column: int
    event: int
    version: int = strawberry.field(description="Send it back as baseVersion to change it.")
    position: float
    title: str
    problem: str
    solution: str
    links: str
    checklist: str
    tags: list[str]
    assignees: list[int]
    labels: list["Label"]
    due: str | None = strawberry.field(description="YYYY-MM-DD, or null.")
    overdue: bool
    checklist_done: int
    checklist_total: int
    comment_count: int
    has_conflict: bool
    archived: bool
    updated_at: str | None
    source: CardSource | None = strawberry.field(description="The thread it was promoted from.")
    accepted: AcceptedAnswer | None = strawberry.field(description="Its thread's answer.")
    verified: Verified | None = strawberry.field(description="A mentor verified that answer.")

    @classmethod
    def of(cls, data: dict) -> "Card":
        source, accepted = data.get("source"), data.get("accepted")
        return _build(
            cls,
            data,
            labels=[_build(Label, label) for label in data["labels"]],
            source=None if source is None else _build(CardSource, source),
            accepted=None
            if accepted is None
            else _build(AcceptedAnswer, accepted, author=_build(Person, accepted["author"])),
            verified=Verified.of(data.get("verified")),
        )

    @classmethod
    def from_model(cls, card: CardModel) -> "Card":
        return cls.of(card_data(card))

    @staticmethod
    def json(card: CardModel) -> dict:
        """The card as a GraphQL client reads it (camelCase), for an error's extensions."""
        return {strawberry_name(k): v for k, v in card_data(card).items()}


def strawberry_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@strawberry.type
class Column:
    id: int
    name: str
    cards: list[Card]


@strawberry.type
class Board:
    id: int
    name: str
    team: str | None
    private: bool
    last_event: int = strawberry.field(description="The newest event: a subscription's since.")
    board: strawberry.Private[BoardModel]

    @classmethod
    def of(cls, board: BoardModel) -> "Board":
        return _build(cls, answers.board_answer(board), board=board)

    @strawberry.field(description="The columns in order, each with its live cards in order.")
    def columns(self) -> list[Column]:
        return [
            Column(id=c["id"], name=c["name"], cards=[Card.of(card) for card in c["cards"]])
            for c in answers.board_detail(self.board)["columns"]
        ]


@strawberry.type
class PostedMessage:
    message: Message
    replayed: bool = strawberry.field(
        description="True: a retry with a clientId already used; the message the first try made."
    )


@strawberry.type
class Reacted:
    reacted: bool = strawberry.field(description="True: added; false: taken back.")
    message: Message


@strawberry.type
class QueueRoom:
    id: int
    slug: str
    name: str


@strawberry.type
class QueueClaim:
    user: Person = strawberry.field(description="The mentor on it.")
    at: str = strawberry.field(description="ISO 8601.")


@strawberry.type(description="An open question of the mentor help queue (decision 023).")
class QueueQuestion:
    id: int = strawberry.field(description="The thread's first message.")
    event: int = strawberry.field(description="The room event of its last change.")
    room: QueueRoom
    author: Person
    title: str = strawberry.field(description="The question's first line.")
    url: str
    asked_at: str = strawberry.field(description="ISO 8601.")
    reply_count: int
    replied: bool = strawberry.field(description="Someone other than the asker replied.")
    first_reply_at: str | None
    resolved: bool
    claims: list[QueueClaim] = strawberry.field(description="The mentors on it, first first.")

    @classmethod
    def of(cls, data: dict) -> "QueueQuestion":
        """From `chat.events.queue_data` (what REST answers, what a live frame carries)."""
        return _build(
            cls,
            data,
            room=_build(QueueRoom, data["room"]),
            author=_build(Person, data["author"]),
            claims=[QueueClaim(user=_build(Person, c["user"]), at=c["at"]) for c in data["claims"]],
        )


@strawberry.type
class QueueEvent:
    type: str = strawberry.field(
        description="queue (the whole queue, in `questions`: first, and after an access "
        "change or a room archived), queue_item (`question` is new or changed) or "
        "queue_removed (`id` left the queue)."
    )
    id: int | None
    question: QueueQuestion | None
    questions: list[QueueQuestion] | None


@strawberry.type
class Promoted:
    card: Card
    created: bool = strawberry.field(
        description="False: the thread already had its card, which is the answer."
    )


@strawberry.type
class CardSaved:
    card: Card
    merged: bool = strawberry.field(description="Your edit started from an older version.")
    conflicts: list[str]


@strawberry.type
class ColumnCards:
    id: int
    name: str | None
    cards: list[int] = strawberry.field(description="The column's live cards' ids, in order.")


@strawberry.type
class MessageEvent:
    type: str = strawberry.field(
        description="message (new), message_changed (edited, deleted, reacted, resolved), "
        "synced (the catch-up asked by since is done) or reset (too far behind: reload)."
    )
    event: int
    message: Message | None


@strawberry.type
class BoardEvent:
    type: str = strawberry.field(
        description="card (added, edited, moved, archived), board (the columns changed: "
        "`columns`, whole), comment, comment_edited, comment_deleted (`comment`), synced or "
        "reset."
    )
    event: int
    card: Card | None
    columns: list[ColumnCards] | None = strawberry.field(
        description="board: every column; card after a move: the columns it touched, in order."
    )
    comment: Comment | None = strawberry.field(
        default=None, description="comment, comment_edited, comment_deleted: the comment."
    )


# --- a team's API schemas and reports bound to them (decision 024) -----------------------------
@strawberry.type
class ApiOperation:
    path: str
    method: str
    summary: str


@strawberry.type
class ApiSchema:
    version: int
    status: str = strawberry.field(description="pending, ready or failed.")
    source: str
    url: str
    error: str
    title: str
    api_version: str
    operations: list[ApiOperation]

    @classmethod
    def of(cls, data: dict) -> "ApiSchema":
        operations = [_build(ApiOperation, op) for op in data["operations"]]
        return _build(cls, data, operations=operations)


@strawberry.type
class ApiDifference:
    where: str
    kind: str = strawberry.field(description="missing, extra or type.")
    detail: str


@strawberry.type
class ApiReport:
    id: int
    card: int
    schema: int
    path: str
    method: str
    request_path: str
    status: int
    expected_response: str
    expected_shape: JSON | None
    differences: list[ApiDifference]
    curl: str

    @classmethod
    def of(cls, data: dict) -> "ApiReport":
        found = [_build(ApiDifference, d) for d in data["differences"]]
        return _build(cls, data, differences=found)
