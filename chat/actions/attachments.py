"""Files in rooms: uploaded first (unattached), then posted with a message by their uploader;
unposted ones are removed after a day."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts import policies
from accounts.models import User
from chat import files
from chat.actions.messages import check_rate
from chat.models import Attachment, Message, Room

MAX_PER_MESSAGE = 10
MAX_UNPOSTED = 20  # uploads waiting to be posted, per person and room
UNPOSTED_LIFETIME = timedelta(days=1)


def upload_attachment(*, room: Room, user: User, upload: UploadedFile) -> Attachment:
    """Check and store an upload; it waits, unattached, for its uploader's next message."""
    if not policies.can_post(user, room):
        raise PermissionDenied("You cannot post files in this room.")
    waiting = Attachment.objects.filter(room=room, uploader=user, message=None).count()
    if waiting >= MAX_UNPOSTED:
        raise ValidationError(
            f"You have {waiting} files waiting to be sent here: send or remove some first."
        )
    checked = files.check_upload(upload)
    check_rate(user, "upload")
    attachment = Attachment(
        room=room, uploader=user, name=checked.name, size=checked.size,
        content_type=checked.kind.content_type, width=checked.width, height=checked.height,
    )  # fmt: skip
    # The files are written before the row: a row never points at nothing. Should the row
    # fail, the files go again.
    upload.seek(0)
    attachment.file.save(checked.name, checked.cleaned or upload, save=False)
    try:
        if checked.thumbnail is not None:
            attachment.thumbnail.save("thumbnail.webp", checked.thumbnail, save=False)
        attachment.save()
    except Exception:
        _delete_files([attachment.file.name, attachment.thumbnail.name])
        raise
    return attachment


def take_attachments(room: Room, author: User, ids: object) -> list[Attachment]:
    """The uploads a new message carries (ids as the client sent them): its author's own,
    uploaded to this room, not yet posted; locked until the message is written."""
    if ids is None or ids == []:
        return []
    if not isinstance(ids, list) or not all(type(pk) is int for pk in ids):
        raise ValidationError("Attachments are a list of the ids uploads answered.")
    if len(ids) > MAX_PER_MESSAGE:
        raise ValidationError(f"A message carries at most {MAX_PER_MESSAGE} files.")
    wanted = list(dict.fromkeys(ids))
    found = list(
        Attachment.objects.select_for_update()
        .filter(pk__in=wanted, room=room, uploader=author, message=None)
        .order_by("pk")
    )
    if len(found) != len(wanted):
        raise ValidationError(
            "A file of this message is gone or was sent already: attach it again."
        )
    by_pk = {attachment.pk: attachment for attachment in found}
    return [by_pk[pk] for pk in wanted]


def attach(message: Message, attachments: list[Attachment]) -> None:
    """Inside the message's transaction: the uploads are now the message's."""
    if not attachments:
        message.attachment_list = []
        return
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(message=message)
    for attachment in attachments:
        attachment.message = message
    message.attachment_list = attachments


def remove_attachment(*, attachment: Attachment, user: User) -> None:
    """An upload taken back before it was sent."""
    if attachment.uploader_id != user.pk or attachment.message_id is not None:
        raise PermissionDenied("Only an upload of yours that was not sent can be removed.")
    names = [attachment.file.name, attachment.thumbnail.name]
    attachment.delete()
    transaction.on_commit(lambda: _delete_files(names))


def delete_files_of(message: Message) -> None:
    """A deleted message's files: the rows now, the stored files once that is committed."""
    rows = Attachment.objects.filter(message=message)
    names = [name for pair in rows.values_list("file", "thumbnail") for name in pair]
    rows.delete()
    if names:
        transaction.on_commit(lambda: _delete_files(names))


def prune_unposted(now: object = None) -> int:
    """Remove the uploads nobody posted within UNPOSTED_LIFETIME. Returns how many."""
    cutoff = (now or timezone.now()) - UNPOSTED_LIFETIME
    stale = Attachment.objects.filter(message=None, created_at__lt=cutoff)
    removed = 0
    for attachment in stale.iterator():
        names = [attachment.file.name, attachment.thumbnail.name]
        attachment.delete()
        _delete_files(names)
        removed += 1
    return removed


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            default_storage.delete(name)
