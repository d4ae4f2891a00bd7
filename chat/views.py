"""Room pages and their HTTP endpoints. Thin: who is asking, may they, parse, call an action."""

import uuid

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import policies
from accounts.models import Team
from boards import actions as board_actions
from boards import queries as board_queries
from boards.actions.challenges import question_title
from chat import actions, files, queries
from chat.events import attachment_data, render_pins
from chat.forms import DirectForm, RoomForm
from chat.models import REACTIONS, Attachment, Room
from nexus_live import ratelimit
from nexus_live.errors import inline_error
from nexus_live.text import as_int

MESSAGE_CONTEXT = {"reactions_palette": REACTIONS}  # what a page of messages needs


def _get_room_for_user(request: HttpRequest, slug: str) -> Room:
    room = get_object_or_404(Room.objects.select_related("team"), slug=slug)
    if not policies.can_view_space(request.user, room):
        raise Http404("No such room")
    return room


def _attach_context() -> dict[str, object]:
    """What the composer states about files: the limits enforced in chat/files.py."""
    return {
        "attach": {
            "max_bytes": settings.ATTACHMENT_MAX_BYTES,
            "accept": files.ACCEPT,
            "limits": files.limits_text(),
        }
    }


def _seq_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value is None:
        return None
    try:
        return as_int(value)
    except ValidationError:
        raise ValidationError(f"{name} must be a whole number.") from None


@login_required
def rooms(request: HttpRequest) -> HttpResponse:
    teams = Team.objects.contributable_by(request.user)
    form = RoomForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            room = actions.create_room(user=request.user, **form.room_fields())
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            return redirect(room)
    visible = (
        Room.objects.visible_to(request.user)
        .rooms()  # direct conversations are listed at /dm/
        .with_unread(request.user)
        .select_related("team")
        .order_by("name")
    )
    context = {"rooms": visible, "form": form, "nav": "rooms"}
    return render(request, "chat/rooms.html", context, status=400 if form.errors else 200)


@login_required
def room(request: HttpRequest, slug: str) -> HttpResponse:
    """The room as it is now. Reading it writes nothing: the page's socket sends the read mark
    once the messages are on screen (a permalink or a filtered view never marks anything)."""
    room = _get_room_for_user(request, slug)
    on_direct_path = request.resolver_match.namespace == "direct"
    if room.is_direct != on_direct_path:  # each kind at its own address
        if room.is_direct:
            return redirect(reverse("direct:room", args=[slug]) + _query(request))
        raise Http404("No such conversation")
    last_read = queries.last_read_seq(room, request.user)
    messages = queries.timeline(room)
    only_open = request.GET.get("filter") == "open"
    try:
        at = _seq_param(request, "at")
    except ValidationError:
        at = None
    if only_open:
        messages = queries.open_questions(messages)
    page = queries.latest_page(messages) if at is None else queries.page_around(messages, at)
    first_unread = next((m.seq for m in page if m.seq > last_read), None)
    live = not only_open and at is None
    context = {
        "room": room,
        "timeline": page,
        "has_older": bool(page) and page[0].seq > 1 and not only_open,
        "first_unread_seq": first_unread,
        "last_read_seq": last_read,
        "only_open": only_open,
        "live": live,
        "can_post": live and policies.can_post(request.user, room),
        "can_moderate": policies.can_moderate(request.user, room),
        "can_manage": policies.can_manage_space(request.user, room),
        "can_pin": policies.can_pin(request.user, room),
        "can_verify": policies.can_verify_in(request.user, room),
        "client_id": uuid.uuid4().hex,
        "composer_body": request.session.pop(f"draft-{room.pk}", ""),
        "nav": "dms" if room.is_direct else "rooms",
        **_label(room, request),
        **MESSAGE_CONTEXT,
        **_attach_context(),
    }
    return render(request, "chat/room.html", context)


def _query(request: HttpRequest) -> str:
    return f"?{request.GET.urlencode()}" if request.GET else ""


def _label(room: Room, request: HttpRequest) -> dict[str, object]:
    """How the page names the room: #name, or a direct conversation's other people."""
    if not room.is_direct:
        return {"room_label": f"#{room.name}"}
    people = queries.direct_people(room, request.user)
    label = room.title or ", ".join(p.name for p in people) or "Just you"
    return {"room_label": label, "dm_people": people, "dm_others": len(people)}


@login_required
def pins(request: HttpRequest, slug: str) -> HttpResponse:
    """A room's pinned messages: the header's list (pins.js asks for the fragment)."""
    room = _get_room_for_user(request, slug)
    pinned = queries.pinned_messages(room)
    if request.headers.get("X-Fragment") == "pins":
        return HttpResponse(render_pins(room, pinned, room.last_event))
    context = {"room": room, "pinned": pinned, "nav": "dms" if room.is_direct else "rooms"}
    return render(request, "chat/pins.html", context)


@login_required
@require_POST
def pin(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    """Pin or unpin without JavaScript: the same action the socket's `pin` calls."""
    room = _get_room_for_user(request, slug)
    message = get_object_or_404(queries.messages_of(room), pk=message_id)
    pinned = request.POST.get("pinned") != "0"
    try:
        actions.pin_message(message=message, user=request.user, pinned=pinned)
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    return redirect(room)


@login_required
def promote(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    """A thread's question to a challenge card: the board picker (the thread panel's htmx
    form, or this page without JavaScript), and its POST. Answers the card's link."""
    room = _get_room_for_user(request, slug)
    message = get_object_or_404(queries.timeline(room), pk=message_id)
    boards = board_queries.editable_boards(request.user)
    context = {
        "room": room, "message": message, "promote_boards": boards,
        "title": question_title(message.body), "nav": "rooms",
    }  # fmt: skip
    if request.method == "POST":
        chosen = next((b for b in boards if str(b.pk) == request.POST.get("board", "")), None)
        try:
            if chosen is None:
                raise ValidationError("Choose one of the boards you can add cards to.")
            promoted = board_actions.promote_message(
                message=message, user=request.user, board=chosen
            )
        except (ValidationError, PermissionDenied) as exc:
            status = 403 if isinstance(exc, PermissionDenied) else 400
            text = str(exc) if status == 403 else exc.messages[0]
            if request.htmx:
                return inline_error(request, text, status)
            flash.error(request, text)
            return render(request, "chat/promote.html", context, status=status)
        if not request.htmx:
            return redirect(promoted.card)
        message = queries.timeline(room).get(pk=message.pk)
        context.update(message=message, promoted_now=promoted.created)
    template = "chat/promote.html#promote" if request.htmx else "chat/promote.html"
    return render(request, template, context)


@login_required
def direct(request: HttpRequest) -> HttpResponse:
    """My direct conversations, latest first, and the New message form."""
    form = DirectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            room = actions.open_direct(request.user, form.cleaned_data["people"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(room)
    context = {
        "conversations": queries.direct_conversations(request.user),
        "form": form,
        "limit": actions.DIRECT_MAX,
        "nav": "dms",
    }
    return render(request, "chat/direct.html", context, status=400 if form.errors else 200)


def _get_direct_for_user(request: HttpRequest, slug: str) -> Room:
    room = _get_room_for_user(request, slug)
    if not room.is_direct:
        raise Http404("No such conversation")
    return room


@login_required
@require_POST
def rename_direct(request: HttpRequest, slug: str) -> HttpResponse:
    """Name a group conversation (an empty name: its people's names again)."""
    room = _get_direct_for_user(request, slug)
    try:
        actions.rename_direct(room=room, user=request.user, title=request.POST.get("title", ""))
    except ValidationError as exc:
        if request.htmx:
            return inline_error(request, exc.messages[0], 400)
        flash.error(request, exc.messages[0])
    return redirect(room)


@login_required
@require_POST
def leave_direct(request: HttpRequest, slug: str) -> HttpResponse:
    """Leave a group conversation: back to the list, which no longer has it."""
    room = _get_direct_for_user(request, slug)
    try:
        actions.leave_direct(room=room, user=request.user)
    except ValidationError as exc:
        if request.htmx:
            return inline_error(request, exc.messages[0], 400)
        flash.error(request, exc.messages[0])
        return redirect(room)
    flash.success(request, f"You left {room.title or 'the conversation'}.")
    return redirect("direct:list")


@login_required
def thread(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    root = get_object_or_404(queries.timeline(room), pk=message_id)
    replies = queries.messages_of(room).filter(parent=root).order_by("seq")
    context = {
        "room": room,
        "root": root,
        "replies": replies,
        "can_post": policies.can_post(request.user, room),
        "can_moderate": policies.can_moderate(request.user, room),
        "can_verify": policies.can_verify_in(request.user, room),
        "can_manage": False,
        "promote_boards": None
        if root.challenge_card or root.is_deleted
        else board_queries.editable_boards(request.user),
        "client_id": uuid.uuid4().hex,
        "nav": "rooms",
        **MESSAGE_CONTEXT,
        **_attach_context(),
    }
    template = "chat/thread.html#panel" if request.htmx else "chat/thread.html"
    return render(request, template, context)


@login_required
def history(request: HttpRequest, slug: str, message_id: int) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    message = get_object_or_404(queries.messages_of(room), pk=message_id)
    if message.is_deleted:
        raise Http404("This message was deleted")
    edits = message.edits.order_by("-edited_at")
    context = {"room": room, "message": message, "edits": edits, **MESSAGE_CONTEXT}
    return render(request, "chat/history.html", context)


@login_required
def messages(request: HttpRequest, slug: str) -> HttpResponse:
    """The same fragments as the page and the socket: ?after=<seq> (catch-up) or ?before=<seq>."""
    room = _get_room_for_user(request, slug)
    try:
        after, before = _seq_param(request, "after"), _seq_param(request, "before")
    except ValidationError as exc:
        return HttpResponseBadRequest(exc.messages[0])
    if after is not None:  # catch-up: every message after `after`, replies included
        page = queries.page_after(queries.messages_of(room), after)
    elif before is not None:  # history: the main timeline only
        page = queries.page_before(queries.timeline(room), before)
    else:
        return HttpResponseBadRequest("Ask for ?after=<seq> or ?before=<seq>.")
    return render(request, "chat/messages.html", {"page": page, **MESSAGE_CONTEXT})


@login_required
@require_POST
def post(request: HttpRequest, slug: str) -> HttpResponse:
    """The composer without JavaScript: the text and its files in one multipart POST, through
    the same actions the page's upload and the socket call. A refused file sends nothing,
    says why and keeps the text; its fellow uploads of this request are taken back."""
    room = _get_room_for_user(request, slug)
    body = request.POST.get("body", "")
    uploads = request.FILES.getlist("file")
    taken: list[Attachment] = []
    try:
        if len(uploads) > actions.MAX_PER_MESSAGE:
            raise ValidationError(f"A message carries at most {actions.MAX_PER_MESSAGE} files.")
        for upload in uploads:
            taken.append(actions.upload_attachment(room=room, user=request.user, upload=upload))
        actions.post_message(
            room=room,
            author=request.user,
            body=body,
            client_id=request.POST.get("client_id", ""),
            attachments=[attachment.pk for attachment in taken],
        )
    except (ValidationError, PermissionDenied) as exc:
        for attachment in taken:
            actions.remove_attachment(attachment=attachment, user=request.user)
        if isinstance(exc, PermissionDenied):
            raise  # 403, as before: a viewer has no composer
        text = exc.messages[0] + (" Nothing was sent: choose the files again." if uploads else "")
        flash.error(request, text)
        request.session[f"draft-{room.pk}"] = body[: actions.MAX_BODY * 2]  # nothing typed is lost
    return redirect(room)


@login_required
@require_POST
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    try:
        actions.update_topic(room=room, user=request.user, topic=request.POST.get("topic", ""))
    except ValidationError as exc:
        flash.error(request, exc.messages[0])
    return redirect(room)


@login_required
@require_POST
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    room = _get_room_for_user(request, slug)
    archived = request.POST.get("archived") == "1"
    actions.archive_room(room=room, user=request.user, archived=archived)
    flash.success(request, f"#{room.name} is {'archived' if archived else 'open again'}.")
    return redirect(room)


@login_required
def mentions(request: HttpRequest) -> HttpResponse:
    """Where the person was @mentioned, newest first. Showing them writes nothing: the page
    posts to `mentions_seen` once it is on screen, which clears the badge."""
    found = queries.mentions_of(request.user)
    context = {"mentions": found, "nav": "mentions", **MESSAGE_CONTEXT}
    return render(request, "chat/mentions.html", context)


@login_required
@require_POST
def mentions_seen(request: HttpRequest) -> HttpResponse:
    actions.mark_mentions_seen(user=request.user)
    return HttpResponse(status=204)


# --- Files ---------------------------------------------------------------------------------------
def _refused(text: str, status: int = 400, **headers: str) -> JsonResponse:
    return JsonResponse({"error": text}, status=status, headers=headers)


@login_required
@require_POST
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    """One file (field `file`), checked and stored unattached: its id goes with the next post
    (`attachments: [id]`). JSON either way: the attachment, or `{"error": …}`."""
    room = _get_room_for_user(request, slug)
    limit = settings.ATTACHMENT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + 64 * 1024:  # refused before a byte of it is read
        size = files.human_size(declared)
        return _refused(f"Not attached: that file is {size}; a file is at most "
                        f"{files.human_size(limit)}.", 413)  # fmt: skip
    upload = request.FILES.get("file")
    if upload is None:
        return _refused("Send the file in the field `file`.")
    try:
        attachment = actions.upload_attachment(room=room, user=request.user, upload=upload)
    except PermissionDenied as exc:
        return _refused(str(exc), 403)
    except ratelimit.RateLimited as exc:
        wait = max(1, round(exc.retry_after))
        return _refused(f"Too many files at once: try again in {wait} s.", 429,
                        **{"Retry-After": str(wait)})  # fmt: skip
    except ValidationError as exc:
        return _refused(exc.messages[0], 413 if isinstance(exc, files.TooLarge) else 400)
    return JsonResponse(attachment_data(attachment, room.slug), status=201)


@login_required
@require_POST
def remove_upload(request: HttpRequest, slug: str, attachment_id: int) -> HttpResponse:
    """An upload taken back from the composer before it was sent."""
    room = _get_room_for_user(request, slug)
    attachment = get_object_or_404(Attachment, pk=attachment_id, room=room, uploader=request.user)
    try:
        actions.remove_attachment(attachment=attachment, user=request.user)
    except PermissionDenied as exc:
        return _refused(str(exc), 403)
    return HttpResponse(status=204)


def _get_attachment_for_user(request: HttpRequest, slug: str, attachment_id: int) -> Attachment:
    room = _get_room_for_user(request, slug)
    attachment = queries.attachment_for(request.user, room, attachment_id)
    if attachment is None:
        raise Http404("No such file")
    return attachment


@login_required
@require_GET
def attachment(request: HttpRequest, slug: str, attachment_id: int) -> HttpResponse:
    """The file as uploaded: an image inline, anything else as a download."""
    return files.response_for(_get_attachment_for_user(request, slug, attachment_id))


@login_required
@require_GET
def attachment_thumbnail(request: HttpRequest, slug: str, attachment_id: int) -> HttpResponse:
    found = _get_attachment_for_user(request, slug, attachment_id)
    if not found.is_image:
        raise Http404("This file has no thumbnail")
    return files.response_for(found, thumbnail=True)


@login_required
@require_GET
def preview_image(request: HttpRequest, slug: str, preview_id: int) -> HttpResponse:
    """A link preview's image: our own small copy, to those who may see the message."""
    room = _get_room_for_user(request, slug)
    shown = queries.preview_for(room, preview_id)
    if shown is None or not shown.preview.image:
        raise Http404("No such image")
    return files.stored_response(shown.preview.image.name, "image/webp", filename="preview.webp")


# --- People, for @mention suggestions ------------------------------------------------------------
@login_required
@require_GET
def people(request: HttpRequest, slug: str) -> HttpResponse:
    """Who can see the room and whose name or handle starts with `q`: at most
    queries.PEOPLE_LIMIT, for the composer's @mention suggestions."""
    room = _get_room_for_user(request, slug)
    found = queries.people_for_mention(room, request.GET.get("q", ""), exclude=request.user)
    return JsonResponse({"results": found})
