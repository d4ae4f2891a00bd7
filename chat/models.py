"""Rooms: where learners talk, public to every signed-in person or private to one team."""

import uuid

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.models import User
from nexus_live.models import Space, SpaceQuerySet


class RoomQuerySet(SpaceQuerySet):
    def visible_to(self, user: User) -> "RoomQuerySet":
        """Public rooms, the rooms of one's teams, and one's direct conversations (private,
        of no team: invisible to the team branch, so a DM is seen by its members only)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        mine = RoomMember.objects.filter(user=user).values("room_id")
        return self.filter(
            Q(is_private=False) | Q(team__memberships__user=user) | Q(pk__in=mine)
        ).distinct()

    def rooms(self) -> "RoomQuerySet":
        """Rooms, not direct conversations (the room list, the API's /rooms/)."""
        return self.filter(kind=Room.Kind.ROOM)

    def with_unread(self, user: User) -> "RoomQuerySet":
        """Annotate `unread`: messages after the person's read mark (rooms never opened: 0)."""
        last_read = RoomVisit.objects.filter(room=OuterRef("pk"), user=user).values("last_read_seq")
        return self.annotate(
            last_read_seq=Subquery(last_read),
            unread=Coalesce(F("last_seq") - Subquery(last_read), Value(0)),
        )


class Room(Space):
    """A room, or a direct conversation (`kind` "direct"): private to its RoomMembers, of no
    team, with the same messages, seqs, events, reads and mentions as any room."""

    class Kind(models.TextChoices):
        ROOM = "room", "Room"
        DIRECT = "direct", "Direct message"

    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.ROOM)
    # A direct conversation's members' ids, sorted, comma-separated: the same people open the
    # same conversation (unique: two people opening it at once get one).
    member_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # A direct conversation opened for three or more people: its people may name it and leave
    # it (a conversation of two is neither named nor left; decision 016).
    is_group = models.BooleanField(default=False)
    # The name a group conversation's people gave it; empty: it is called by its people's names.
    title = models.CharField(max_length=80, blank=True)
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=90, unique=True)
    topic = models.CharField(max_length=300, blank=True)
    is_archived = models.BooleanField(default=False)
    last_seq = models.BigIntegerField(default=0)  # the newest message's seq

    objects = RoomQuerySet.as_manager()

    class Meta(Space.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(is_private=False) | Q(team__isnull=False) | Q(kind="direct"),
                name="private_room_has_team_or_members",
            ),
            models.CheckConstraint(
                condition=~Q(kind="direct")
                | Q(is_private=True, team__isnull=True, member_key__isnull=False),
                name="direct_room_is_private_to_members",
            ),
        ]

    def __str__(self) -> str:
        return (self.title or self.name) if self.is_direct else f"#{self.name}"

    @property
    def is_direct(self) -> bool:
        return self.kind == Room.Kind.DIRECT

    @cached_property
    def member_ids(self) -> frozenset[int]:
        """A direct conversation's members (prefetched `members` when there are)."""
        if not self.is_direct:
            return frozenset()
        return frozenset(member.user_id for member in self.members.all())

    def has_member(self, user: User) -> bool:
        return user.pk in self.member_ids

    @property
    def visibility_label(self) -> str:
        return "direct message" if self.is_direct else super().visibility_label

    def get_absolute_url(self) -> str:
        # Every message rendered links to its room: reversed once per room object and slug.
        cached = self.__dict__.get("_url")
        if cached is None or cached[0] != self.slug:
            name = "direct:room" if self.is_direct else "chat:room"
            cached = self.__dict__["_url"] = (self.slug, reverse(name, args=[self.slug]))
        return cached[1]

    def thread_url(self, message_pk: int) -> str:
        """`reverse("chat:thread", args=[slug, message_pk])`, reversed once per room object and
        slug (every message rendered links to its thread)."""
        cached = self.__dict__.get("_thread_url")
        if cached is None or cached[0] != self.slug:
            head, _, tail = reverse("chat:thread", args=[self.slug, 0]).rpartition("/0/")
            cached = self.__dict__["_thread_url"] = (self.slug, f"{head}/", f"/{tail}")
        return f"{cached[1]}{message_pk}{cached[2]}"


class RoomMember(models.Model):
    """A person in a direct conversation. Rooms have no members: their team says who sees them."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="direct_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_membership_per_room")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}"


class Message(models.Model):
    """One message. `seq` orders a room; (room, author, client_id) makes a retry harmless."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.BigIntegerField()
    event = models.BigIntegerField(default=0)  # the room event of this message's latest change
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages"
    )
    client_id = models.CharField(max_length=64)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    reply_count = models.PositiveIntegerField(default=0)
    resolved_at = models.DateTimeField(null=True, blank=True)
    pinned_at = models.DateTimeField(null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The learning loop (decision 019): a thread's first message names the reply its asker
    # accepted; that reply carries when, and which mentor verified it.
    answer = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["room", "event"]),
            models.Index(
                fields=["room", "pinned_at"],
                condition=Q(pinned_at__isnull=False),
                name="message_pinned",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="one_message_per_seq"),
            models.UniqueConstraint(
                fields=["room", "author", "client_id"], name="one_message_per_client_id"
            ),
            models.UniqueConstraint(
                fields=["parent"],
                condition=Q(accepted_at__isnull=False),
                name="one_accepted_answer_per_thread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} #{self.seq}"

    def get_absolute_url(self) -> str:
        if self.parent_id:
            return f"{self.room.thread_url(self.parent_id)}#message-{self.pk}"
        return f"{self.room.get_absolute_url()}?at={self.seq}#message-{self.pk}"

    @property
    def thread_url(self) -> str:
        return self.room.thread_url(self.pk)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def challenge_card(self):
        """The challenge card this thread was promoted to (boards.Card.source), or None;
        loaded with the message by chat.queries (`select_related("card")`)."""
        try:
            return self.card
        except ObjectDoesNotExist:
            return None

    @cached_property
    def attachment_list(self) -> list["Attachment"]:
        """The message's files in the order they were attached; uses prefetched attachments
        (a new message is given its own: no query)."""
        return list(self.attachments.all())

    @cached_property
    def preview_list(self) -> list["MessagePreview"]:
        """The link preview cards the message shows, in the order of its links; uses
        prefetched previews (chat.queries.PREVIEWS)."""
        if self.is_deleted:
            return []
        return [shown for shown in self.previews.all() if shown.shown]

    @cached_property
    def reaction_summary(self) -> list[dict]:
        """[{emoji, count, names, user_ids}]: the palette's emoji in palette order, then any
        other in the order it was first given; uses prefetched reactions."""
        by_emoji: dict[str, list] = {}
        for reaction in self.reactions.all():
            by_emoji.setdefault(reaction.emoji, []).append(reaction.user)
        order = [emoji for emoji in REACTIONS if emoji in by_emoji]
        order += [emoji for emoji in by_emoji if emoji not in REACTIONS]
        return [
            {
                "emoji": emoji,
                "count": len(people),
                "names": ", ".join(person.name for person in people),
                "user_ids": ",".join(str(person.pk) for person in people),
            }
            for emoji in order
            if (people := by_emoji[emoji])
        ]


class QuestionClaim(models.Model):
    """A mentor's "I'm on it" on an open question of the help queue (decision 023): who is
    helping, shown to the other mentors. Several may claim one; a claim stops nobody."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_claims"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="one_claim_per_mentor")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.message}"


class MessageEdit(models.Model):
    """The text a message had before an edit: edits keep their history."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits")
    body = models.TextField()
    edited_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"edit of {self.message}"


class RoomVisit(models.Model):
    """How far a person has read in a room: drives "new since your last visit" and unread counts."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="visits")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_visits"
    )
    last_read_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="one_visit_per_room")]

    def __str__(self) -> str:
        return f"{self.user} read {self.room} to {self.last_read_seq}"


REACTIONS = ["👍", "❤️", "😄", "🎉", "🤔", "👀", "🚀", "✅"]


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=32)  # one emoji: a ZWJ sequence is up to ~10 code points
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]  # the order people reacted
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="one_reaction_each")
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message}"


class Mention(models.Model):
    """Someone was @mentioned in a message or in a card comment (exactly one of the two, see
    docs/decisions/022); `seen_at` clears the badge."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="mentions"
    )
    comment = models.ForeignKey(
        "boards.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="mentions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="one_mention_per_message"),
            models.UniqueConstraint(fields=["comment", "user"], name="one_mention_of_each_comment"),
            models.CheckConstraint(
                condition=Q(message__isnull=False, comment__isnull=True)
                | Q(message__isnull=True, comment__isnull=False),
                name="mention_of_a_message_or_a_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.message or self.comment}"

    def get_absolute_url(self) -> str:
        return (self.message or self.comment).get_absolute_url()

    @property
    def kind(self) -> str:
        return "message" if self.message_id else "comment"


class Notification(models.Model):
    """Something for one person — a mention (in a message or a card comment), or a reply in a
    thread they started or replied in — recorded in the transaction of the write: the outbox
    the notification emails are sent from (chat/notifications.py). `status` leaves PENDING
    once: emailed, or skipped (read meanwhile, out of reach, or the person wants no email)."""

    class Reason(models.TextChoices):
        MENTION = "mention", "mentioned you"
        REPLY = "reply", "replied in a thread you are in"
        DIRECT = "direct", "wrote to you"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        EMAILED = "emailed", "Emailed"
        SKIPPED = "skipped", "Skipped"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    comment = models.ForeignKey(
        "boards.Comment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    reason = models.CharField(max_length=8, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="notification_pending",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "message"], name="one_notification_each"),
            models.UniqueConstraint(
                fields=["user", "comment"], name="one_notification_per_comment"
            ),
            models.CheckConstraint(
                condition=Q(message__isnull=False, comment__isnull=True)
                | Q(message__isnull=True, comment__isnull=False),
                name="notification_of_a_message_or_a_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.reason} {self.message or self.comment}"


def _attachment_path(attachment: "Attachment", filename: str) -> str:
    """Where a file is stored: a random key, never the name given (nor guessable from it)."""
    return f"attachments/{attachment.room_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file uploaded to a room: unattached (`message` null) until its uploader posts it in a
    message. Served only by chat.views.attachment, to people who may see the room."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    thumbnail = models.FileField(upload_to=_attachment_path, max_length=200, blank=True)
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(message=None), name="attachment_unposted"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return bool(self.thumbnail)

    def _thumbnail_scale(self) -> float:
        from chat.files import THUMBNAIL_BOX

        if not (self.width and self.height):
            return 1.0
        return min(1.0, THUMBNAIL_BOX[0] / self.width, THUMBNAIL_BOX[1] / self.height)

    @property
    def thumbnail_width(self) -> int | None:
        return max(1, round(self.width * self._thumbnail_scale())) if self.width else None

    @property
    def thumbnail_height(self) -> int | None:
        return max(1, round(self.height * self._thumbnail_scale())) if self.height else None


def _preview_image_path(preview: "LinkPreview", filename: str) -> str:
    return f"previews/{uuid.uuid4().hex}.webp"


class LinkPreview(models.Model):
    """What a web page says of itself (Open Graph, Twitter card, <title>, description), fetched
    once per URL in the background (chat/previews.py) and shared by every message that links
    to it; fetched again when asked for after PREVIEW_CACHE_SECONDS. `image`: a small WebP made
    here from the page's image, served by our own view, never hot-linked."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be fetched"
        READY = "ready", "Fetched"
        FAILED = "failed", "Could not be fetched"

    url = models.CharField(max_length=2000, unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    title = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=300, blank=True)
    site_name = models.CharField(max_length=100, blank=True)
    image = models.FileField(upload_to=_preview_image_path, max_length=200, blank=True)
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)  # why the last fetch failed
    requested_at = models.DateTimeField(default=timezone.now)  # last asked to (re)fetch
    fetched_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)  # a fetch under way until then

    class Meta:
        indexes = [
            models.Index(
                fields=["requested_at"], condition=Q(status="pending"), name="preview_pending"
            )
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def has_content(self) -> bool:
        """Worth a card: the page said what it is."""
        return bool(self.title or self.description)


class MessagePreview(models.Model):
    """A link of a message that gets a preview card: recorded in the message's transaction
    (the outbox of the fetch). `waiting`: the preview was not fetched when this was recorded,
    so the message is shown again, live, once it is. `removed_at`: the author took the card
    away (an edit keeping the link does not bring it back)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="previews")
    preview = models.ForeignKey(LinkPreview, on_delete=models.CASCADE, related_name="uses")
    position = models.PositiveSmallIntegerField()  # the link's place among the message's links
    waiting = models.BooleanField(default=False)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["preview"], condition=Q(waiting=True), name="preview_waiting")
        ]
        constraints = [
            models.UniqueConstraint(fields=["message", "preview"], name="one_preview_per_link")
        ]

    def __str__(self) -> str:
        return f"{self.preview} in {self.message}"

    @property
    def shown(self) -> bool:
        return self.removed_at is None and self.preview.has_content
