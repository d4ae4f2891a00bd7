"""Two-level answers (decision 019): a thread's asker accepts one reply (one at a time, and
may change it); a mentor verifies the accepted one. A promoted thread's card follows."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import policies
from accounts.models import User
from chat.actions.messages import _change
from chat.models import Message


def _question_of(reply: Message) -> Message:
    if reply.parent_id is None:
        raise ValidationError("Accept a reply in the thread, not its question.")
    question = Message.objects.select_related("author").get(pk=reply.parent_id)
    question.room = reply.room
    return question


def accept_answer(*, message: Message, user: User, accepted: bool = True) -> Message:
    """Accept the reply `message` as its thread's answer (another accepted before is no
    longer, and loses its verification); `accepted=False` takes the choice back."""
    question = _question_of(message)
    if not policies.can_accept(user, question):
        raise PermissionDenied("Only the one who asked accepts an answer.")
    if accepted and message.is_deleted:
        raise ValidationError("A deleted message cannot be the answer.")
    if (question.answer_id == message.pk) == accepted:
        return message  # already so: no change, no event
    from boards.actions import challenges

    previous: list[Message] = []

    def choose(locked: Message) -> None:
        if locked.answer_id is not None and locked.answer_id != message.pk:
            previous.append(
                Message.objects.select_related("room", "author").get(pk=locked.answer_id)
            )
        elif locked.answer_id == message.pk and not accepted:
            previous.append(message)
        locked.answer_id = message.pk if accepted else None

    def clear(locked: Message) -> None:
        locked.accepted_at, locked.verified_by, locked.verified_at = None, None, None

    def take(locked: Message) -> None:
        if locked.is_deleted:
            raise ValidationError("A deleted message cannot be the answer.")
        locked.accepted_at, locked.verified_by, locked.verified_at = timezone.now(), None, None

    with transaction.atomic():
        question = _change(question, choose)  # the room's lock, before the board's
        before = previous[0] if previous else None
        if before is not None:
            _change(before, clear)  # first: one accepted reply per thread (a constraint)
        answer = _change(message, take) if accepted else None
        challenges.card_takes_answer(question, user, answer=answer, previous=before)
    return answer or Message.objects.select_related("room", "author").get(pk=message.pk)


def verify_answer(*, message: Message, user: User, verified: bool = True) -> Message:
    """A mentor marks the accepted answer `message` verified (or takes it back)."""
    if not policies.can_verify(user, message):
        if message.author_id == user.pk and user.track == "mentor":
            raise PermissionDenied("Another mentor verifies your own answer.")
        raise PermissionDenied("Only a mentor of this room verifies answers.")
    if verified and message.accepted_at is None:
        raise ValidationError("Only the accepted answer can be verified.")
    if (message.verified_at is not None) == verified:
        return message
    from boards.actions import challenges

    def apply(locked: Message) -> None:
        if verified and locked.accepted_at is None:  # taken back meanwhile
            raise ValidationError("Only the accepted answer can be verified.")
        locked.verified_by = user if verified else None
        locked.verified_at = timezone.now() if verified else None

    with transaction.atomic():
        changed = _change(message, apply)
        if (card := challenges.card_of(message.parent_id)) is not None:
            challenges.refresh_card(card, user)
    return changed
