"""Writing an export, in a worker: take it (a lease), write its file a chunk at a time while
telling its owner how far it got, and finish it once. Idempotent: a second run of the same
export, at the same time or later, finds it taken or done and writes nothing
(docs/decisions/020)."""

import logging
import tempfile
import time
import uuid
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import F, Q
from django.utils import timezone

from accounts import policies
from chat.queries import direct_titles
from exports import events, formats
from exports.models import Export, Format, Kind

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # renewed with every progress update
PROGRESS_SECONDS = 0.5  # at most two progress updates (and frames) a second
MAX_ATTEMPTS = 3  # runs that died (the lease ran out) before the export counts as failed


class LeaseLost(Exception):
    """Another run took the export over (this one was presumed dead): stop, keep nothing."""


class Refused(Exception):
    """The export cannot be written (its board is gone, its owner may no longer see it)."""


def take(export_id: int) -> tuple[Export, str] | None:
    """The export and this run's token, if it is waiting, or running on a lease that ran out;
    one UPDATE, so two runs never both take it."""
    now = timezone.now()
    token = uuid.uuid4().hex
    waiting = Q(status=Export.Status.PENDING) | Q(status=Export.Status.RUNNING, lease_until__lt=now)
    taken = (
        Export.objects.filter(waiting, pk=export_id)
        .exclude(attempts__gte=MAX_ATTEMPTS)
        .update(status=Export.Status.RUNNING, run_token=token, lease_until=now + LEASE,
                started_at=now, progress=0, items_done=0, attempts=F("attempts") + 1)
    )  # fmt: skip
    if not taken:
        _give_up_if_spent(export_id, now)
        return None
    export = Export.objects.select_related("user", "board__team", "room__team", "team").get(
        pk=export_id
    )
    return export, token


def _give_up_if_spent(export_id: int, now) -> None:
    """An export whose every run died (the lease ran out each time) fails, and says so."""
    spent = Export.objects.filter(
        pk=export_id, status=Export.Status.RUNNING, lease_until__lt=now,
        attempts__gte=MAX_ATTEMPTS,
    )  # fmt: skip
    gave_up = {"status": Export.Status.FAILED, "finished_at": now, "lease_until": None}
    if spent.update(**gave_up, error="Every attempt to write it stopped halfway."):
        _tell(export_id)


def run(export_id: int) -> bool:
    """Write the export if no other run has it. True: this run wrote its file."""
    taken = take(export_id)
    if taken is None:
        return False
    export, token = taken
    try:
        total, chunks = _source(export)
        _progress(export, token, 0, total)
        name, size, done = _write(export, token, chunks, total)
    except LeaseLost:
        log.warning("export %s: taken over by another run, this one stops", export_id)
        return False
    except Refused as refused:
        _fail(export, token, str(refused))
        return False
    except SoftTimeLimitExceeded:
        log.warning("export %s (%s %s) took too long", export_id, export.kind, export.format)
        _fail(export, token, "It took too long to write.")
        return False
    except Exception:
        log.exception("export %s (%s %s) failed", export_id, export.kind, export.format)
        _fail(export, token, "Something went wrong while writing it. Try again.")
        return False
    now = timezone.now()
    finished = Export.objects.filter(pk=export.pk, run_token=token).update(
        status=Export.Status.DONE, file=name, size=size, progress=100, items_done=done,
        finished_at=now, lease_until=None,
    )  # fmt: skip
    if not finished:  # taken over at the last moment: the other run's file is the one
        default_storage.delete(name)
        return False
    _tell(export.pk)
    log.info("export %s: %s bytes, %s items", export.pk, size, done)
    return True


def _source(export: Export) -> tuple[int, formats.Chunks]:
    """How many items the export holds, and its writer. Access is checked again here: someone
    removed from a team after asking gets nothing of it."""
    user = export.user
    if export.kind == Kind.PORTFOLIO:
        if not policies.can_export(user, None):
            raise Refused("You can no longer export.")
        return formats.solved_cards(user).count(), formats.portfolio_markdown(user)
    if export.kind == Kind.HUB:
        from hub.content import Hub

        if export.team is None:
            raise Refused("The team is gone.")
        if not policies.can_view_team(user, export.team):
            raise Refused("You can no longer see it.")
        hub = Hub(export.team, public=False, absolute_links=True)
        return len(hub.names()), hub.zip_chunks()
    space = export.board if export.kind == Kind.BOARD else export.room
    if space is None:
        raise Refused(f"The {'board' if export.kind == Kind.BOARD else 'room'} is gone.")
    if not policies.can_export(user, space):
        raise Refused("You can no longer see it.")
    if export.kind == Kind.BOARD:
        writer = {
            Format.MARKDOWN: formats.board_markdown,
            Format.JSON: formats.board_json,
            Format.CSV: formats.board_csv,
        }[Format(export.format)]
        return formats.board_cards(space).count(), writer(space)
    title = room_title(space, user)
    writer = formats.room_json if export.format == Format.JSON else formats.room_markdown
    return formats.room_messages(space).count(), writer(space, title)


def room_title(room, user) -> str:
    if room.is_direct:
        return direct_titles(user, [room.pk]).get(room.pk) or "Direct conversation"
    return f"#{room.name}"


def _write(export: Export, token: str, chunks: formats.Chunks, total: int):
    """The whole file, written to a local temporary file as it comes (only a chunk in
    memory), then stored; (stored name, size, items)."""
    done, told = 0, time.monotonic()
    with tempfile.TemporaryFile() as out:
        for text, items in chunks:
            out.write(text if isinstance(text, bytes) else text.encode())
            done += items
            if items and time.monotonic() - told >= PROGRESS_SECONDS:
                _progress(export, token, done, total)
                told = time.monotonic()
        size = out.tell()
        out.seek(0)
        name = default_storage.save(export.file.field.generate_filename(export, ""), File(out))
    return name, size, done


def _progress(export: Export, token: str, done: int, total: int) -> None:
    """Store how far the run got (and renew its lease), then tell the owner."""
    progress = min(99, done * 100 // total) if total else 0
    renewed = Export.objects.filter(pk=export.pk, run_token=token).update(
        progress=progress, items_done=done, items_total=total,
        lease_until=timezone.now() + LEASE,
    )  # fmt: skip
    if not renewed:
        raise LeaseLost
    _tell(export.pk)


def _fail(export: Export, token: str, why: str) -> None:
    failed = Export.objects.filter(pk=export.pk, run_token=token).update(
        status=Export.Status.FAILED, error=why[:300], finished_at=timezone.now(),
        lease_until=None,
    )  # fmt: skip
    if failed:
        _tell(export.pk)


def _tell(export_id: int) -> None:
    export = Export.objects.select_related("room", "team").filter(pk=export_id).first()
    if export is not None:
        events.export_changed(export)


def sweep() -> list[int]:
    """Exports a lost task left behind: waiting for more than a few seconds (a task queued at
    commit is likely on its way), or running on a lease that ran out. Their ids, to queue."""
    now = timezone.now()
    waiting = Q(status=Export.Status.PENDING, created_at__lt=now - timedelta(seconds=5))
    stale = Q(status=Export.Status.RUNNING, lease_until__lt=now)
    return list(Export.objects.filter(waiting | stale).values_list("pk", flat=True)[:500])


def prune() -> int:
    """Exports past their expiry: their files, then their rows."""
    expired = list(Export.objects.filter(expires_at__lt=timezone.now()).only("pk", "file")[:1000])
    for export in expired:
        if export.file:
            default_storage.delete(export.file.name)
    Export.objects.filter(pk__in=[export.pk for export in expired]).delete()
    return len(expired)


def keep_until():
    return timezone.now() + timedelta(hours=settings.EXPORT_KEEP_HOURS)
