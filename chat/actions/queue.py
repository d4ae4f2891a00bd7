"""The mentor help queue's one write (decision 023): "I'm on it" on an open question, and
taking it back. A claim is the question's next room event, so every queue orders its frames."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts import policies
from accounts.models import User
from chat.actions.messages import _change
from chat.models import Message, QuestionClaim
from chat.queries import is_queued


def claim_question(*, message: Message, user: User, claimed: bool = True) -> Message:
    """A mentor says they are on `message` (an open question of a room they moderate), or
    takes it back (`claimed=False`). Several mentors may claim one; a claim stops nobody."""
    if message.parent_id is not None:
        raise ValidationError("Claim the thread's first message: the question.")
    if not policies.can_claim(user, message):
        raise PermissionDenied("Only a mentor of this room takes its questions.")
    if claimed and not is_queued(message):
        raise ValidationError("This question is not open: nothing to take on.")
    if QuestionClaim.objects.filter(message=message, user=user).exists() == claimed:
        return message  # already so: no change, no event

    def apply(locked: Message) -> None:
        if claimed:
            QuestionClaim.objects.get_or_create(message=locked, user=user)
        else:
            QuestionClaim.objects.filter(message=locked, user=user).delete()

    with transaction.atomic():
        return _change(message, apply, requeue=True)
