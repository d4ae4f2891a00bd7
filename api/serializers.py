"""What the API takes and what it answers, for validation and for the schema.

Answers are built by the same functions the live events use (`chat.events.message_data`,
`boards.events.card_data`): the serializers of answers only describe them for the schema, and
a test keeps the two in step.
"""

from rest_framework import serializers

from accounts.models import Role, Track


class Text(serializers.CharField):
    """A string, and only a string: 7 or true is a mistake to report, not text to store."""

    default_error_messages = {"invalid": "Send text (a JSON string)."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- Auth --------------------------------------------------------------------------------------
class SignIn(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class Refresh(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPair(serializers.Serializer):
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Use once, at /api/v1/auth/token/refresh/.")
    token_type = serializers.ChoiceField(choices=["Bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds the access token lives.")
    refresh_expires_in = serializers.IntegerField(help_text="Seconds the refresh token lives.")


class Problem(serializers.Serializer):
    """RFC 9457 problem details, with a stable `code`."""

    type = serializers.CharField()
    title = Text()
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="Stable, for programs: e.g. `token_expired`.")
    detail = serializers.CharField(help_text="For people.")
    errors = serializers.DictField(required=False, help_text="Per field, on a 400 from a form.")


# --- People ------------------------------------------------------------------------------------
class Me(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(read_only=True)
    display_name = Text(allow_blank=True)
    track = serializers.ChoiceField(choices=Track.choices)
    avatar_url = serializers.CharField(read_only=True)


class Person(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class Team(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices, help_text="Mine in this team.")


class NewTeam(serializers.Serializer):
    name = Text()
    description = Text(required=False, allow_blank=True, default="")


INVITE_ROLES = [(Role.MEMBER, "Member"), (Role.VIEWER, "Viewer")]  # what an invite can make


class NewInvite(serializers.Serializer):
    role = serializers.ChoiceField(choices=INVITE_ROLES, default=Role.MEMBER)


class Invite(serializers.Serializer):
    token = serializers.CharField(help_text="Accept it with POST /api/v1/invites/{token}/accept/.")
    url = serializers.URLField(help_text="The page a person opens to join.")
    role = serializers.ChoiceField(choices=INVITE_ROLES)
    expires_at = serializers.DateTimeField()


class Member(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    track = serializers.ChoiceField(choices=Track.choices)
    role = serializers.ChoiceField(choices=Role.choices)


# --- Rooms and messages ------------------------------------------------------------------------
class Room(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    topic = Text()
    team = serializers.CharField(allow_null=True, help_text="The team's slug; null: public.")
    private = serializers.BooleanField()
    archived = serializers.BooleanField()
    last_seq = serializers.IntegerField(help_text="The newest message's seq.")
    last_event = serializers.IntegerField(help_text="The room's newest event (live `since`).")
    last_read_seq = serializers.IntegerField(allow_null=True)
    unread = serializers.IntegerField()


class NewRoom(serializers.Serializer):
    name = Text()
    topic = Text(required=False, allow_blank=True, default="")
    team = serializers.SlugField(required=False, allow_null=True, default=None)


class Reaction(serializers.Serializer):
    emoji = Text()
    count = serializers.IntegerField()
    users = serializers.ListField(child=serializers.IntegerField())


class Attachment(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    content_type = serializers.CharField(help_text="Read from the content, not the name.")
    image = serializers.BooleanField(help_text="An image: it has a thumbnail.")
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text="The file (signed-in session; see docs/api.md).")
    thumbnail_url = serializers.CharField(allow_null=True, help_text="A WebP of at most 480 x 360.")


class Verified(serializers.Serializer):
    by = Person(help_text="The mentor who verified the answer.")
    at = serializers.DateTimeField()


class MessageCard(serializers.Serializer):
    id = serializers.IntegerField()
    board = serializers.IntegerField()
    url = serializers.CharField(help_text="The card's page.")


class LinkPreview(serializers.Serializer):
    id = serializers.IntegerField(help_text="This card (DELETE …/previews/{id}/ removes it).")
    url = serializers.CharField(help_text="The link, as the message has it.")
    title = serializers.CharField(help_text="What the page says: untrusted text, escape it.")
    description = serializers.CharField()
    site_name = serializers.CharField()
    image_url = serializers.CharField(
        allow_null=True, help_text="Our own WebP copy of the page's image (signed in)."
    )
    image_width = serializers.IntegerField(allow_null=True)
    image_height = serializers.IntegerField(allow_null=True)


class Message(serializers.Serializer):
    id = serializers.IntegerField()
    room = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="Gapless per room: the order of the timeline.")
    event = serializers.IntegerField(help_text="The room event of this message's last change.")
    author = Person()
    client_id = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True, help_text="The thread's first message.")
    body = Text(help_text="Markdown, as written; empty once deleted.")
    body_html = serializers.CharField(help_text="Rendered and sanitised: safe to insert.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    resolved = serializers.BooleanField()
    reply_count = serializers.IntegerField()
    reactions = Reaction(many=True)
    attachments = Attachment(many=True)
    previews = LinkPreview(
        many=True, help_text="Cards of its first links, once fetched (a live change then)."
    )
    pinned = serializers.BooleanField(help_text="Pinned to its room's header.")
    accepted = serializers.BooleanField(help_text="A reply its thread's asker accepted.")
    verified = Verified(allow_null=True, help_text="The accepted answer, verified by a mentor.")
    answer = serializers.IntegerField(
        allow_null=True, help_text="A thread's first message: its accepted reply."
    )
    card = MessageCard(allow_null=True, help_text="The challenge card this thread was promoted to.")


class QueueRoom(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class QueueClaim(serializers.Serializer):
    user = Person(help_text="The mentor on it.")
    at = serializers.DateTimeField()


class QueueQuestion(serializers.Serializer):
    id = serializers.IntegerField(help_text="The thread's first message.")
    event = serializers.IntegerField(help_text="The room event of its last change.")
    room = QueueRoom()
    author = Person(help_text="Who asked.")
    title = serializers.CharField(help_text="The question's first line.")
    url = serializers.CharField(help_text="The thread's page.")
    asked_at = serializers.DateTimeField()
    reply_count = serializers.IntegerField()
    replied = serializers.BooleanField(help_text="Someone other than the asker replied.")
    first_reply_at = serializers.DateTimeField(allow_null=True)
    resolved = serializers.BooleanField()
    claims = QueueClaim(many=True, help_text="The mentors who said they are on it, first first.")


class MessagePage(serializers.Serializer):
    results = Message(many=True)
    has_more = serializers.BooleanField(help_text="More in the direction asked.")
    next_after = serializers.IntegerField(allow_null=True, help_text="`?after=` of the next page.")
    next_before = serializers.IntegerField(
        allow_null=True, help_text="`?before=` of the page before."
    )


class NewMessage(serializers.Serializer):
    body = Text(trim_whitespace=False, required=False, allow_blank=True, default="")
    parent = serializers.IntegerField(required=False, allow_null=True, default=None)
    attachments = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        max_length=10,
        help_text="Ids of your own uploads to this room, not yet sent (a message with files "
        "may have an empty body).",
    )
    client_id = serializers.CharField(
        required=False,
        help_text="1-64 letters, digits, - or _; or send an `Idempotency-Key` header. A retry "
        "with the same key answers the message the first try made.",
    )


class MessageChange(serializers.Serializer):
    body = Text(trim_whitespace=False)


class Pinned(serializers.Serializer):
    id = serializers.IntegerField(help_text="The message.")
    seq = serializers.IntegerField()
    author = Person()
    body = Text()
    url = serializers.CharField(help_text="The message on its page.")
    pinned_at = serializers.DateTimeField()


class Pins(serializers.Serializer):
    """What the live `pins` frame carries: the room's pinned messages, latest pinned first."""

    room = serializers.IntegerField()
    pinned = Pinned(many=True)


class DirectConversation(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField(help_text="Its messages: /api/v1/rooms/{slug}/messages/.")
    title = serializers.CharField(help_text="Its name, else the other people's names.")
    name = serializers.CharField(
        help_text="The name its people gave it (a group conversation), or empty."
    )
    group = serializers.BooleanField(
        help_text="Opened for 3+ people: any of them may name it or leave it."
    )
    others = Person(many=True)
    unread = serializers.IntegerField()
    last_seq = serializers.IntegerField()
    last_read_seq = serializers.IntegerField()
    last_activity = serializers.DateTimeField(help_text="The newest message, else its opening.")


class DirectChanges(serializers.Serializer):
    name = serializers.CharField(
        max_length=80,
        allow_blank=True,
        trim_whitespace=False,
        help_text="The group conversation's name for all its people; empty: their names.",
    )


class NewDirect(serializers.Serializer):
    people = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=7,
        help_text="The other people's ids (1-7: at most 8 with me).",
    )


class Comment(serializers.Serializer):
    id = serializers.IntegerField()
    card = serializers.IntegerField()
    board = serializers.IntegerField()
    event = serializers.IntegerField(help_text="The board event of its latest change.")
    author = Person(allow_null=True)
    body = serializers.CharField()
    body_html = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    card_title = serializers.CharField()
    board_name = serializers.CharField()
    mentions = serializers.ListField(
        child=serializers.IntegerField(), help_text="The ids of the people it mentions."
    )


class CommentBody(serializers.Serializer):
    body = Text(trim_whitespace=False)


MENTION_KINDS = ["message", "comment"]


class Mention(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MENTION_KINDS)
    created_at = serializers.DateTimeField()
    seen = serializers.BooleanField()
    url = serializers.CharField(help_text="Where it is in the app (a path).")
    room = serializers.CharField(allow_null=True, help_text="The room's slug (a message).")
    message = Message(allow_null=True, help_text="The message (kind: message).")
    comment = Comment(allow_null=True, help_text="The card comment (kind: comment).")


class MentionsSeen(serializers.Serializer):
    seen = serializers.IntegerField(help_text="How many mentions this marked seen.")


class ReadMark(serializers.Serializer):
    seq = serializers.IntegerField(min_value=0)


class ReactionToggle(serializers.Serializer):
    emoji = Text()


class Reacted(serializers.Serializer):
    reacted = serializers.BooleanField(help_text="True: added; false: taken back.")
    message = Message()


# --- Boards and cards --------------------------------------------------------------------------
class Board(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    team = serializers.CharField(allow_null=True)
    private = serializers.BooleanField()
    last_event = serializers.IntegerField()


class NewBoard(serializers.Serializer):
    name = Text()
    team = serializers.SlugField(
        required=False, allow_null=True, default=None, help_text="One of my teams' slugs."
    )
    public = serializers.BooleanField(
        default=False, help_text="A team's board readable by everyone signed in."
    )


class NewColumn(serializers.Serializer):
    name = Text()


class ColumnChange(serializers.Serializer):
    name = Text(required=False)
    offset = serializers.ChoiceField(
        choices=[-1, 1], required=False, help_text="Move one place left (-1) or right (1)."
    )


class Label(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    colour = serializers.ChoiceField(
        choices=["green", "yellow", "orange", "red", "purple", "blue", "sky", "pink", "grey"]
    )


class CardSource(serializers.Serializer):
    message = serializers.IntegerField(help_text="The thread's first message.")
    room = serializers.IntegerField()
    url = serializers.CharField(help_text="The thread's page (for people who may see it).")


class AcceptedAnswer(serializers.Serializer):
    message = serializers.IntegerField()
    author = Person()
    url = serializers.CharField()


class Promotion(serializers.Serializer):
    board = serializers.IntegerField(min_value=1, help_text="A board I can add cards to.")


class Card(serializers.Serializer):
    id = serializers.IntegerField()
    board = serializers.IntegerField()
    column = serializers.IntegerField()
    event = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Send it back as `If-Match` when you change it.")
    position = serializers.FloatField()
    title = Text()
    problem = Text()
    solution = Text()
    links = Text()
    checklist = Text()
    tags = serializers.ListField(child=serializers.CharField())
    assignees = serializers.ListField(child=serializers.IntegerField())
    labels = Label(many=True)
    due = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField(help_text="Due before today (the server's date).")
    checklist_done = serializers.IntegerField(help_text="Checklist items ticked ([x]).")
    checklist_total = serializers.IntegerField(
        help_text="Checklist items, with the `- [ ]` task items of problem and solution."
    )
    comment_count = serializers.IntegerField()
    has_conflict = serializers.BooleanField()
    archived = serializers.BooleanField()
    updated_at = serializers.DateTimeField(allow_null=True)
    source = CardSource(allow_null=True, help_text="The thread it was promoted from.")
    accepted = AcceptedAnswer(allow_null=True, help_text="That thread's accepted answer.")
    verified = Verified(allow_null=True, help_text="That answer, verified by a mentor.")


class Column(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    cards = Card(many=True)


class BoardDetail(Board):
    columns = Column(many=True)


class CardFields(serializers.Serializer):
    """The fields a card edit may change; only those sent change."""

    title = Text(required=False)
    problem = Text(required=False, allow_blank=True, trim_whitespace=False)
    solution = Text(required=False, allow_blank=True, trim_whitespace=False)
    links = Text(required=False, allow_blank=True, trim_whitespace=False)
    checklist = Text(required=False, allow_blank=True, trim_whitespace=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    assignees = serializers.ListField(child=serializers.IntegerField(), required=False)
    labels = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Ids of the board's labels."
    )
    due = serializers.DateField(required=False, allow_null=True, help_text="Null: no due date.")

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
        return attrs


class NewCard(CardFields):
    title = Text()
    column = serializers.IntegerField(required=False, help_text="Default: the first column.")


class CardSaved(serializers.Serializer):
    card = Card()
    merged = serializers.BooleanField(help_text="Your edit started from an older version.")
    conflicts = serializers.ListField(
        child=serializers.CharField(), help_text="Fields where both texts were kept, marked."
    )


class Actor(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ActivityEntry(serializers.Serializer):
    event = serializers.IntegerField(help_text="The board event of the change: a cursor.")
    created_at = serializers.DateTimeField()
    actor = Actor(allow_null=True, help_text="Null once that person's account is gone.")
    verb = serializers.CharField(help_text='What they did: "edited a card", "moved a card"…')
    card = serializers.IntegerField(allow_null=True)
    changes = serializers.DictField(
        child=serializers.ListField(), help_text="Field -> [before, after]."
    )


class Ticket(serializers.Serializer):
    ticket = serializers.CharField(help_text="Connect with /ws/v1/events/?ticket=<it>.")
    expires_in = serializers.IntegerField(help_text="Seconds it stays good for; used once.")


# --- Exports -----------------------------------------------------------------------------------
EXPORT_KINDS = ["board", "room", "portfolio", "hub"]


class NewExport(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EXPORT_KINDS)
    format = serializers.ChoiceField(
        choices=["md", "json", "csv", "zip"],
        help_text="board: md, json or csv; room: md or json; portfolio: md; hub: zip.",
    )
    board = serializers.IntegerField(required=False, help_text="The board's id (kind board).")
    room = serializers.CharField(required=False, help_text="The room's slug (kind room).")
    team = serializers.CharField(required=False, help_text="The team's slug (kind hub).")


class Export(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EXPORT_KINDS)
    format = serializers.ChoiceField(choices=["md", "json", "csv", "zip"])
    title = serializers.CharField()
    board = serializers.IntegerField(allow_null=True)
    room = serializers.CharField(allow_null=True, help_text="The room's slug.")
    team = serializers.CharField(allow_null=True, help_text="The hub's team slug (kind hub).")
    status = serializers.ChoiceField(choices=["pending", "running", "done", "failed"])
    progress = serializers.IntegerField(help_text="Per cent, 100 once done.")
    items_done = serializers.IntegerField(help_text="Cards or messages written so far.")
    items_total = serializers.IntegerField()
    size = serializers.IntegerField(help_text="Bytes of the file, once done.")
    error = serializers.CharField(help_text="Why it failed (empty otherwise).")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(help_text="The file is removed after this.")
    download_url = serializers.CharField(
        allow_null=True, help_text="The page's download (a signed-in browser), once done."
    )
    file_url = serializers.CharField(
        allow_null=True, help_text="The file with a token: GET it with the Bearer header."
    )


SCHEMA_STATES = ["pending", "ready", "failed"]
DIFFERENCE_KINDS = ["missing", "extra", "type"]


class NewApiSchema(serializers.Serializer):
    url = serializers.URLField(required=False, help_text="Fetched in the background (202).")
    document = serializers.CharField(
        required=False, trim_whitespace=False, help_text="The schema itself, JSON or YAML."
    )


class ApiSchema(serializers.Serializer):
    version = serializers.IntegerField(help_text="1, 2, 3… one per registration.")
    status = serializers.ChoiceField(choices=SCHEMA_STATES)
    source = serializers.ChoiceField(choices=["upload", "url"])
    url = serializers.CharField()
    error = serializers.CharField()
    title = serializers.CharField()
    api_version = serializers.CharField(help_text="The document's info.version.")
    created_at = serializers.DateTimeField()
    operations = serializers.ListField(
        child=serializers.DictField(), help_text="[{path, method, summary}]"
    )


class ApiSchemaDetail(ApiSchema):
    document = serializers.JSONField(allow_null=True)


class NewApiReport(serializers.Serializer):
    schema = serializers.IntegerField(help_text="The schema's version.")
    method = serializers.CharField()
    path = serializers.CharField(help_text="A path of the schema: /pets/{id}.")
    request_path = serializers.CharField(required=False, allow_blank=True)
    request_headers = serializers.CharField(required=False, allow_blank=True)
    request_body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    status = serializers.IntegerField()
    response_body = serializers.CharField(trim_whitespace=False, help_text="JSON text.")
    note = serializers.CharField(required=False, allow_blank=True)


class ApiDifference(serializers.Serializer):
    where = serializers.CharField()
    kind = serializers.ChoiceField(choices=DIFFERENCE_KINDS)
    detail = serializers.CharField()


class ApiReport(serializers.Serializer):
    id = serializers.IntegerField()
    card = serializers.IntegerField()
    schema = serializers.IntegerField()
    path = serializers.CharField()
    method = serializers.CharField()
    request_path = serializers.CharField()
    status = serializers.IntegerField()
    expected_response = serializers.CharField(help_text="Which response of the schema.")
    expected_shape = serializers.JSONField(allow_null=True)
    differences = ApiDifference(many=True)
    curl = serializers.CharField()


class HubSettings(serializers.Serializer):
    public = serializers.BooleanField()
    url = serializers.CharField(read_only=True)
