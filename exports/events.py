"""An export's live side: its frame (the Exports page's row, rendered once, and its data),
sent to its owner's /ws/me/ sockets (and API clients subscribed to `me`) as it progresses."""

from django.template.loader import render_to_string
from django.urls import reverse

from chat.events import user_group
from exports.models import Export
from nexus_live import events


def export_data(export: Export) -> dict:
    """An export as JSON: what the API answers and what its live frames carry."""
    return {
        "id": export.pk,
        "kind": export.kind,
        "format": export.format,
        "title": export.title,
        "board": export.board_id,
        "room": export.room.slug if export.room_id else None,
        "team": export.team.slug if export.team_id else None,
        "status": export.status,
        "progress": export.progress,
        "items_done": export.items_done,
        "items_total": export.items_total,
        "size": export.size,
        "error": export.error,
        "created_at": export.created_at.isoformat(),
        "finished_at": export.finished_at.isoformat() if export.finished_at else None,
        "expires_at": export.expires_at.isoformat(),
        "download_url": export.download_url(),
        "file_url": reverse("api:export-file", args=[export.pk]) if export.download_url() else None,
    }


def export_frame(export: Export) -> str:
    html = render_to_string("exports/exports.html#export", {"export": export})
    return events.frame(
        "export",
        id=export.pk,
        status=export.status,
        progress=export.progress,
        html=html,
        data=export_data(export),
    )


def export_changed(export: Export) -> None:
    """To the person who asked, once the change commits (at once outside a transaction)."""
    events.publish_on_commit(user_group(export.user_id), events.forward(export_frame(export)))
