"""Link previews: recorded with the message that links (the outbox of the fetch), fetched in
the background once per URL and day, shown live on every open page when ready; the author can
take a card away."""

import logging
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import policies
from accounts.models import User
from chat import previews
from chat.actions.messages import _change
from chat.models import LinkPreview, Message, MessagePreview
from nexus_live import outbound

log = logging.getLogger(__name__)
FAILED_RETRY = timedelta(hours=1)  # a page that could not be fetched is asked again after this
LEASE = timedelta(seconds=60)  # a fetch under way; a worker that died leaves it to run out
QUEUED_GRACE = timedelta(seconds=5)  # a fetch queued at commit is likely on its way


def _fresh(preview: LinkPreview, now) -> bool:
    if preview.status == LinkPreview.Status.PENDING or preview.fetched_at is None:
        return False
    if preview.status == LinkPreview.Status.FAILED:
        return preview.fetched_at > now - FAILED_RETRY
    return preview.fetched_at > now - timedelta(seconds=settings.PREVIEW_CACHE_SECONDS)


def _previews_for(urls: list[str]) -> dict[str, LinkPreview]:
    """The LinkPreview of each URL, made if new and asked for again if stale. Inside the
    message's transaction: a preview to fetch is queued after its commit."""
    now = timezone.now()
    LinkPreview.objects.bulk_create([LinkPreview(url=url) for url in urls], ignore_conflicts=True)
    found = {preview.url: preview for preview in LinkPreview.objects.filter(url__in=urls)}
    to_fetch = []
    for preview in found.values():
        if preview.status != LinkPreview.Status.PENDING and not _fresh(preview, now):
            # Stale: fetched again; the cards keep what they show until then.
            LinkPreview.objects.filter(pk=preview.pk, status=preview.status).update(
                status=LinkPreview.Status.PENDING, requested_at=now
            )
            preview.status = LinkPreview.Status.PENDING
        if preview.status == LinkPreview.Status.PENDING:
            to_fetch.append(preview.pk)
    for pk in to_fetch:
        transaction.on_commit(lambda pk=pk: queue_fetch(pk), robust=True)
    return found


def queue_fetch(preview_id: int) -> None:
    from chat import tasks  # tasks call these actions, not the other way round
    from webhooks.tasks import queue

    queue(tasks.fetch_preview, preview_id)


def record_links(message: Message, body: str) -> None:
    """The preview cards of a new message's first links, in its transaction. A URL fetched
    within the day shows at once (`message.preview_list` is set for the first render); a new
    one shows when fetched."""
    urls = previews.links_in(body)
    if not urls:
        message.preview_list = []
        return
    found = _previews_for(urls)
    rows = [
        MessagePreview(
            message=message,
            preview=found[url],
            position=position,
            waiting=found[url].status == LinkPreview.Status.PENDING,
        )
        for position, url in enumerate(urls)
    ]
    MessagePreview.objects.bulk_create(rows)
    message.preview_list = [row for row in rows if row.shown]


def relink(message: Message, body: str) -> None:
    """After an edit: cards for the links the text has now (one the author removed stays
    removed), none for links it no longer has."""
    urls = previews.links_in(body)
    rows = {row.preview.url: row for row in message.previews.select_related("preview")}
    gone = [row.pk for url, row in rows.items() if url not in urls]
    if gone:
        MessagePreview.objects.filter(pk__in=gone).delete()
    found = _previews_for([url for url in urls if url not in rows]) if urls else {}
    for position, url in enumerate(urls):
        if url in rows:
            if rows[url].position != position:
                MessagePreview.objects.filter(pk=rows[url].pk).update(position=position)
        else:
            pending = found[url].status == LinkPreview.Status.PENDING
            MessagePreview.objects.create(
                message=message, preview=found[url], position=position, waiting=pending
            )
    message.__dict__.pop("preview_list", None)  # read again when rendered


def remove_preview(*, message: Message, user: User, preview: object) -> Message:
    """The author takes a link's card away (its close button, as in Slack): every page
    drops it."""
    if message.author_id != user.pk or not policies.can_post(user, message.room):
        raise PermissionDenied("Only the message's author can remove its previews.")
    if not isinstance(preview, int) or isinstance(preview, bool):
        raise ValidationError("Say which preview: its id.")

    def apply(locked: Message) -> None:
        taken = MessagePreview.objects.filter(pk=preview, message=locked, removed_at=None).update(
            removed_at=timezone.now()
        )
        if not taken:
            raise ValidationError("This message has no such preview.")
        locked.__dict__.pop("preview_list", None)

    with transaction.atomic():
        return _change(message, apply)


# --- The fetch, in a task ------------------------------------------------------------------------
def _take(preview_id: int) -> LinkPreview | None:
    """The preview, if it waits to be fetched and no one else is at it: leased first."""
    now = timezone.now()
    taken = (
        LinkPreview.objects.filter(pk=preview_id, status=LinkPreview.Status.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_until=now + LEASE)
    )
    return LinkPreview.objects.get(pk=preview_id) if taken else None


def fetch_preview(preview_id: int) -> LinkPreview | None:
    """Fetch one preview if it is due (None when it was not: taken, done), store what the
    page says, and show it on the messages that wait for it. Safe to run twice."""
    preview = _take(preview_id)
    if preview is None:
        return None
    old_image = preview.image.name
    try:
        fetched = previews.fetch(preview.url)
    except (outbound.Refused, httpx.HTTPError, previews.Unusable, OSError) as exc:
        log.info("link preview of %s failed: %s", preview.url, exc)
        _failed(preview, f"{type(exc).__name__}: {exc}")
        return preview
    page = fetched.page
    preview.title, preview.description = page.title, page.description
    preview.site_name = page.site_name
    preview.image_width, preview.image_height = fetched.width, fetched.height
    preview.image = ""
    if fetched.thumbnail is not None:
        preview.image.save("preview.webp", fetched.thumbnail, save=False)
    preview.status, preview.error = LinkPreview.Status.READY, ""
    preview.fetched_at, preview.lease_until = timezone.now(), None
    with transaction.atomic():
        preview.save()
        if old_image:
            transaction.on_commit(lambda: default_storage.delete(old_image), robust=True)
    _show(preview)
    return preview


def _failed(preview: LinkPreview, error: str) -> None:
    """Nothing new to show: the cards keep what an earlier fetch found (if any)."""
    LinkPreview.objects.filter(pk=preview.pk).update(
        status=LinkPreview.Status.FAILED, error=error[:300], fetched_at=timezone.now(),
        lease_until=None,
    )  # fmt: skip
    preview.refresh_from_db()
    _show(preview)


def _show(preview: LinkPreview) -> None:
    """Every message that waited for `preview` is shown again, as its room's next event (its
    frame reaches every open page; a page away gets it by catch-up). The room is locked
    before the card's row, as an edit does: the two never wait for each other."""
    waiting = MessagePreview.objects.filter(preview=preview, waiting=True).select_related(
        "message__room", "message__author"
    )
    for row in waiting:
        with transaction.atomic():
            if preview.has_content and row.removed_at is None and not row.message.is_deleted:
                _change(row.message, lambda locked: None)
            MessagePreview.objects.filter(pk=row.pk).update(waiting=False)


def due_previews() -> list[int]:
    """Previews waiting to be fetched whose task is likely lost (the broker was down at commit,
    a worker died): for the sweep."""
    now = timezone.now()
    return list(
        LinkPreview.objects.filter(
            status=LinkPreview.Status.PENDING, requested_at__lte=now - QUEUED_GRACE
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .values_list("pk", flat=True)[:500]
    )


def prune_previews() -> int:
    """Previews no message links to any more, older than the cache, with their images."""
    cutoff = timezone.now() - timedelta(seconds=settings.PREVIEW_CACHE_SECONDS)
    unused = LinkPreview.objects.filter(uses__isnull=True, requested_at__lt=cutoff)
    images = [name for name in unused.values_list("image", flat=True) if name]
    removed, _ = unused.delete()
    for name in images:
        default_storage.delete(name)
    return removed
