"""The API's endpoints. Thin, like the pages: who is asking, may they see it, parse, call the
same action the pages and sockets call, answer with the data the live events carry."""

import re

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import actions as account_actions
from accounts import policies
from accounts.models import Invite, Team, User
from api import answers, tokens
from api import serializers as s
from api.problems import CONTENT_TYPE, problem
from boards import actions as board_actions
from boards import queries as board_queries
from boards.events import card_data
from boards.models import Card, Column
from chat import actions as chat_actions
from chat import files as chat_files
from chat import queries as chat_queries
from chat.events import attachment_data, message_data, pins_data, queue_data
from chat.models import Message
from exports import actions as export_actions
from exports import queries as export_queries
from exports.events import export_data
from exports.formats import board_as_data, board_cards
from exports.models import CONTENT_TYPES as EXPORT_CONTENT_TYPES
from exports.views import file_response
from hub import actions as hub_actions
from hub.models import ApiSchema
from nexus_live.text import as_int

PAGE_MAX = 100


def _errors(*codes: int) -> dict:
    """The errors an operation may answer, each a problem document (api/problems.py)."""
    return {(code, CONTENT_TYPE): s.Problem for code in codes}


READ_ERRORS = _errors(401, 404, 429)
WRITE_ERRORS = _errors(400, 401, 403, 404, 429)


def _token_problem(error: tokens.TokenError) -> Response:
    response = problem(401, error.code, error.detail)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


# --- Auth --------------------------------------------------------------------------------------
class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="signIn",
        tags=["auth"],
        summary="Sign in: a token pair for an email and password",
        request=s.SignIn,
        responses={200: s.TokenPair, **_errors(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        given = s.SignIn(data=request.data)
        given.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=given.validated_data["email"],
            password=given.validated_data["password"],
        )
        if user is None or not user.is_active:
            return problem(401, "bad_credentials", "That email and password do not match.")
        return Response(tokens.sign_in(user).as_dict())


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="refreshToken",
        tags=["auth"],
        summary="The next token pair; the refresh token sent is used up",
        description="A refresh token works once. Sent again, it revokes every token of its "
        "sign-in (`token_reused`): refresh from one place at a time.",
        request=s.Refresh,
        responses={200: s.TokenPair, **_errors(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        given = s.Refresh(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            pair = tokens.refresh(given.validated_data["refresh"])
        except tokens.TokenError as error:
            return _token_problem(error)
        return Response(pair.as_dict())


class RevokeView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="signOut",
        tags=["auth"],
        summary="Sign out: revoke this sign-in's tokens",
        request=s.Refresh,
        responses={204: None, **_errors(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        given = s.Refresh(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            tokens.sign_out(given.validated_data["refresh"])
        except tokens.TokenError as error:
            return _token_problem(error)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TicketView(APIView):
    @extend_schema(
        operation_id="socketTicket",
        tags=["auth"],
        summary="A one-time ticket for the live-events socket, for clients that cannot send "
        "the auth frame",
        description="Good for one connection within `expires_in` seconds: "
        "`/ws/v1/events/?ticket=…`. Needs a Bearer token (the ticket belongs to its sign-in).",
        request=None,
        responses={201: s.Ticket, **_errors(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        if request.auth is None:
            return problem(400, "invalid", "A ticket comes from a Bearer token's sign-in.")
        ticket = tokens.issue_ticket(request.user, request.auth)
        return Response({"ticket": ticket, "expires_in": tokens.TICKET_SECONDS}, status=201)


# --- Me ----------------------------------------------------------------------------------------


class MeView(APIView):
    @extend_schema(
        operation_id="getMe",
        tags=["people"],
        summary="Who I am",
        responses={200: s.Me, **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        return Response(answers.me_data(request.user))

    @extend_schema(
        operation_id="updateMe",
        tags=["people"],
        summary="Change my profile",
        request=s.Me(partial=True),
        responses={200: s.Me, **WRITE_ERRORS},
    )
    def patch(self, request: Request) -> Response:
        given = s.Me(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        values = {"display_name": request.user.display_name, "track": request.user.track}
        values.update(given.validated_data)
        user = account_actions.update_profile(user=request.user, **values)
        return Response(answers.me_data(user))


# --- Teams ---------------------------------------------------------------------------------------
class TeamsView(APIView):
    @extend_schema(
        operation_id="listTeams",
        tags=["teams"],
        summary="My teams, with my role in each",
        responses={200: s.Team(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        return Response(answers.teams_data(request.user))

    @extend_schema(
        operation_id="createTeam",
        tags=["teams"],
        summary="Create a team: I become its owner",
        request=s.NewTeam,
        responses={201: s.Team, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        given = s.NewTeam(data=request.data)
        given.is_valid(raise_exception=True)
        team = account_actions.create_team(user=request.user, **given.validated_data)
        mine = [t for t in answers.teams_data(request.user) if t["slug"] == team.slug]
        return Response(mine[0], status=201)


def _team_for(user, slug: str) -> Team:
    """A team the person may see; any other is a 404, as on the pages."""
    team = get_object_or_404(Team, slug=slug)
    if not policies.can_view_team(user, team):
        raise Http404
    return team


class InvitesView(APIView):
    @extend_schema(
        operation_id="createInvite",
        tags=["teams"],
        summary="An invite link to my team (owners only)",
        request=s.NewInvite,
        responses={201: s.Invite, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        team = _team_for(request.user, slug)
        given = s.NewInvite(data=request.data)
        given.is_valid(raise_exception=True)
        invite = account_actions.create_invite(
            team=team, user=request.user, role=given.validated_data["role"]
        )
        return Response(answers.invite_data(invite, request), status=201)


class AcceptInviteView(APIView):
    @extend_schema(
        operation_id="acceptInvite",
        tags=["teams"],
        summary="Join a team with an invite",
        request=None,
        responses={200: s.Team, **WRITE_ERRORS},
    )
    def post(self, request: Request, token: str) -> Response:
        invite = get_object_or_404(Invite, token=token)
        membership = account_actions.accept_invite(invite=invite, user=request.user)
        mine = [t for t in answers.teams_data(request.user) if t["slug"] == membership.team.slug]
        return Response(mine[0])


class MembersView(APIView):
    @extend_schema(
        operation_id="listMembers",
        tags=["teams"],
        summary="The members of one of my teams",
        responses={200: s.Member(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(answers.members_data(_team_for(request.user, slug)))


# --- Rooms -------------------------------------------------------------------------------------
class RoomsView(APIView):
    @extend_schema(
        operation_id="listRooms",
        tags=["rooms"],
        summary="Rooms I can see, with my unread counts (direct messages: /dms/)",
        responses={200: s.Room(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        rooms = chat_queries.visible_rooms(request.user).rooms().order_by("name")
        return Response([answers.room_answer(room) for room in rooms])

    @extend_schema(
        operation_id="createRoom",
        tags=["rooms"],
        summary="Create a room (public, or for one of my teams)",
        request=s.NewRoom,
        responses={201: s.Room, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        given = s.NewRoom(data=request.data)
        given.is_valid(raise_exception=True)
        team = None
        if slug := given.validated_data["team"]:
            team = Team.objects.filter(slug=slug).first()
            if team is None or not policies.can_view_team(request.user, team):
                return problem(400, "invalid", "No such team of yours.")
        room = chat_actions.create_room(
            user=request.user,
            name=given.validated_data["name"],
            topic=given.validated_data["topic"],
            team=team,
            is_private=team is not None,  # a team's room is the team's, as on the page
        )
        return Response(
            answers.room_answer(chat_queries.room_for(request.user, room.slug)), status=201
        )


class RoomView(APIView):
    @extend_schema(
        operation_id="getRoom",
        tags=["rooms"],
        summary="One room",
        responses={200: s.Room, **READ_ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(answers.room_answer(chat_queries.room_for(request.user, slug)))


SEQ_PARAMS = [
    OpenApiParameter(
        "after", OpenApiTypes.INT, description="Messages after this seq, oldest first."
    ),
    OpenApiParameter(
        "before", OpenApiTypes.INT, description="Messages before this seq (default: the newest)."
    ),
    OpenApiParameter("limit", OpenApiTypes.INT, description=f"1-{PAGE_MAX}, default 50."),
    OpenApiParameter(
        "thread", OpenApiTypes.INT, description="Only this thread: its first message and replies."
    ),
]
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description="Makes a retry safe: the same key answers the message the first try made.",
)


def _whole_number(request: Request, name: str, *, low: int = 0, high: int | None = None):
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        number = as_int(value)
    except ValidationError:
        number = None
    if number is None or number < low or (high and number > high):
        bound = f"{low}-{high}" if high else f"at least {low}"
        raise ValidationError(f"{name} must be a whole number, {bound}.")
    return number


class MessagesView(APIView):
    @extend_schema(
        operation_id="listMessages",
        tags=["messages"],
        summary="A page of a room's messages, by seq",
        description="Cursor pagination by seq: `?before=` pages back from the newest, "
        "`?after=` pages forward (catch-up). Without `thread`, replies are left out of "
        "`before` pages (they live in their thread) and included in `after` pages.",
        parameters=SEQ_PARAMS,
        responses={200: s.MessagePage, **_errors(400, 401, 404, 429)},
    )
    def get(self, request: Request, slug: str) -> Response:
        room = chat_queries.room_for(request.user, slug)
        after = _whole_number(request, "after")
        before = _whole_number(request, "before", low=1)
        limit = _whole_number(request, "limit", low=1, high=PAGE_MAX) or chat_queries.PAGE
        thread = _whole_number(request, "thread", low=1)
        if after is not None and before is not None:
            return problem(400, "invalid", "Ask for ?after= or ?before=, not both.")
        page, more = chat_queries.message_page(
            room, after=after, before=before, limit=limit, thread=thread
        )
        return Response(
            {
                "results": [message_data(message) for message in page],
                "has_more": more,
                "next_after": page[-1].seq if page else after,
                "next_before": page[0].seq if page else None,
            }
        )

    @extend_schema(
        operation_id="postMessage",
        tags=["messages"],
        summary="Post a message (or a reply), safely retried",
        request=s.NewMessage,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.Message, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        room = chat_queries.room_for(request.user, slug)
        given = s.NewMessage(data=request.data)
        given.is_valid(raise_exception=True)
        client_id = request.headers.get("Idempotency-Key") or given.validated_data.get("client_id")
        if not client_id:
            return problem(400, "invalid", "Send an Idempotency-Key header (or a client_id).")
        parent = None
        if parent_id := given.validated_data["parent"]:
            parent = Message.objects.filter(room=room, pk=parent_id).first()
            if parent is None:
                return problem(400, "invalid", "Reply to a message of this room.")
        posted = chat_actions.post_message(
            room=room,
            author=request.user,
            body=given.validated_data["body"],
            client_id=client_id,
            parent=parent,
            attachments=given.validated_data["attachments"],
        )
        message = chat_queries.messages_of(room).get(pk=posted.message.pk)
        response = Response(message_data(message), status=201)
        if not posted.created:
            response["Idempotent-Replayed"] = "true"
        return response


def _message_for(user, slug: str, message_id: int) -> Message:
    room = chat_queries.room_for(user, slug)
    return get_object_or_404(chat_queries.messages_of(room), pk=message_id)


class MessageView(APIView):
    @extend_schema(
        operation_id="getMessage",
        tags=["messages"],
        summary="One message",
        responses={200: s.Message, **READ_ERRORS},
    )
    def get(self, request: Request, slug: str, message_id: int) -> Response:
        return Response(message_data(_message_for(request.user, slug, message_id)))

    @extend_schema(
        operation_id="editMessage",
        tags=["messages"],
        summary="Edit my message",
        request=s.MessageChange,
        responses={200: s.Message, **WRITE_ERRORS},
    )
    def patch(self, request: Request, slug: str, message_id: int) -> Response:
        message = _message_for(request.user, slug, message_id)
        given = s.MessageChange(data=request.data)
        given.is_valid(raise_exception=True)
        chat_actions.edit_message(
            message=message, user=request.user, body=given.validated_data["body"]
        )
        return Response(message_data(_message_for(request.user, slug, message_id)))

    @extend_schema(
        operation_id="deleteMessage",
        tags=["messages"],
        summary="Delete a message (mine; owners and mentors: any)",
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, slug: str, message_id: int) -> Response:
        message = _message_for(request.user, slug, message_id)
        chat_actions.delete_message(message=message, user=request.user)
        return Response(status=204)


class ReactionsView(APIView):
    @extend_schema(
        operation_id="toggleReaction",
        tags=["messages"],
        summary="React to a message, or take the reaction back",
        request=s.ReactionToggle,
        responses={200: s.Reacted, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, message_id: int) -> Response:
        message = _message_for(request.user, slug, message_id)
        given = s.ReactionToggle(data=request.data)
        given.is_valid(raise_exception=True)
        reacted = chat_actions.toggle_reaction(
            message=message, user=request.user, emoji=given.validated_data["emoji"]
        )
        fresh = _message_for(request.user, slug, message_id)
        return Response({"reacted": reacted, "message": message_data(fresh)})


class AttachmentsView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="uploadAttachment",
        tags=["messages"],
        summary="Upload a file to a room; post it with a message (`attachments: [id]`)",
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        responses={201: s.Attachment, **_errors(400, 401, 403, 404, 413, 429)},
    )
    def post(self, request: Request, slug: str) -> Response:
        room = chat_queries.room_for(request.user, slug)
        upload = request.FILES.get("file")
        if upload is None:
            return problem(400, "invalid", "Send the file as multipart/form-data, field `file`.")
        try:
            attachment = chat_actions.upload_attachment(room=room, user=request.user, upload=upload)
        except chat_files.TooLarge as exc:
            return problem(413, "too_large", exc.messages[0])
        return Response(attachment_data(attachment, room.slug), status=201)


# A file answers in its own type (the kinds chat/files.py accepts; a thumbnail is WebP): each
# named, as generators do not take a media range such as */*.
FILE_ANSWERS = {
    (200, media): OpenApiTypes.BINARY
    for media in dict.fromkeys(kind.content_type.split(";")[0] for kind in chat_files.KINDS)
}


class AttachmentView(APIView):
    @extend_schema(
        operation_id="getAttachment",
        tags=["messages"],
        summary="A file of a room (an image inline, anything else as a download)",
        parameters=[
            OpenApiParameter(
                "thumbnail", OpenApiTypes.BOOL, description="An image's WebP thumbnail."
            )
        ],
        responses={**FILE_ANSWERS, **READ_ERRORS},
    )
    def get(self, request: Request, slug: str, attachment_id: int):
        room = chat_queries.room_for(request.user, slug)
        attachment = chat_queries.attachment_for(request.user, room, attachment_id)
        thumbnail = request.query_params.get("thumbnail") in ("1", "true")
        if attachment is None or (thumbnail and not attachment.is_image):
            raise Http404("No such file")
        return chat_files.response_for(attachment, thumbnail=thumbnail)


class ResolveView(APIView):
    @extend_schema(
        operation_id="resolveThread",
        tags=["messages"],
        summary="Mark a question resolved (DELETE: open again)",
        request=None,
        responses={200: s.Message, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, message_id: int, resolved: bool = True) -> Response:
        message = _message_for(request.user, slug, message_id)
        chat_actions.resolve_thread(message=message, user=request.user, resolved=resolved)
        return Response(message_data(_message_for(request.user, slug, message_id)))

    @extend_schema(
        operation_id="reopenThread",
        tags=["messages"],
        summary="Open a resolved question again",
        responses={200: s.Message, **WRITE_ERRORS},
    )
    def delete(self, request: Request, slug: str, message_id: int) -> Response:
        return self.post(request, slug, message_id, resolved=False)


class AcceptedView(APIView):
    @extend_schema(
        operation_id="acceptAnswer",
        tags=["messages"],
        summary="Accept a reply as its thread's answer (the asker; one at a time)",
        description="Another reply accepted before is no longer (and loses its verification). "
        "A thread promoted to a card: the answer becomes the card's solution draft.",
        request=None,
        responses={200: s.Message, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, message_id: int, accepted: bool = True):
        message = _message_for(request.user, slug, message_id)
        chat_actions.accept_answer(message=message, user=request.user, accepted=accepted)
        return Response(message_data(_message_for(request.user, slug, message_id)))

    @extend_schema(
        operation_id="unacceptAnswer",
        tags=["messages"],
        summary="Take back the accepted answer",
        responses={200: s.Message, **WRITE_ERRORS},
    )
    def delete(self, request: Request, slug: str, message_id: int) -> Response:
        return self.post(request, slug, message_id, accepted=False)


class VerifiedView(APIView):
    @extend_schema(
        operation_id="verifyAnswer",
        tags=["messages"],
        summary="Verify the accepted answer (a mentor of the room, not its author)",
        request=None,
        responses={200: s.Message, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, message_id: int, verified: bool = True):
        message = _message_for(request.user, slug, message_id)
        chat_actions.verify_answer(message=message, user=request.user, verified=verified)
        return Response(message_data(_message_for(request.user, slug, message_id)))

    @extend_schema(
        operation_id="unverifyAnswer",
        tags=["messages"],
        summary="Take back a verification",
        responses={200: s.Message, **WRITE_ERRORS},
    )
    def delete(self, request: Request, slug: str, message_id: int) -> Response:
        return self.post(request, slug, message_id, verified=False)


# --- The mentor help queue (decision 023) ------------------------------------------------------
def _mentor_only(user) -> None:
    if not policies.can_see_queue(user):
        raise PermissionDenied("The help queue is for mentors.")


class QueueView(APIView):
    @extend_schema(
        operation_id="helpQueue",
        tags=["queue"],
        summary="The help queue: every open question of the rooms I can see, oldest first",
        description="Mentors only (others: 403). At most 200; live as `queue_item` and "
        "`queue_removed` frames on /ws/queue/.",
        responses={200: s.QueueQuestion(many=True), **_errors(401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        _mentor_only(request.user)
        return Response([queue_data(q) for q in chat_queries.help_queue(request.user)])


class ClaimView(APIView):
    @extend_schema(
        operation_id="claimQuestion",
        tags=["queue"],
        summary="I'm on it: tell the other mentors I am helping with this question",
        description="A mentor of its room; several may claim one, and a claim stops nobody "
        "from helping. An open question only (400 otherwise).",
        request=None,
        responses={200: s.QueueQuestion, **WRITE_ERRORS},
    )
    def post(self, request: Request, message_id: int, claimed: bool = True) -> Response:
        _mentor_only(request.user)
        question = get_object_or_404(chat_queries.questions_visible_to(request.user), pk=message_id)
        chat_actions.claim_question(message=question, user=request.user, claimed=claimed)
        return Response(queue_data(chat_queries.queue_question(message_id)))

    @extend_schema(
        operation_id="unclaimQuestion",
        tags=["queue"],
        summary="Take back my claim",
        responses={200: s.QueueQuestion, **WRITE_ERRORS},
    )
    def delete(self, request: Request, message_id: int) -> Response:
        return self.post(request, message_id, claimed=False)


class PromoteView(APIView):
    @extend_schema(
        operation_id="promoteThread",
        tags=["cards"],
        summary="Promote a thread to a challenge card on one of my boards",
        description="Title from the question's first line, problem from its text, the "
        "accepted answer as the solution draft. A thread has one card: promoting it again "
        "answers that card (200) instead of a new one (201).",
        request=s.Promotion,
        responses={201: s.Card, 200: s.Card, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, message_id: int) -> Response:
        message = _message_for(request.user, slug, message_id)
        given = s.Promotion(data=request.data)
        given.is_valid(raise_exception=True)
        board = (
            board_queries.visible_boards(request.user)
            .filter(pk=given.validated_data["board"])
            .first()
        )
        if board is None:
            return problem(400, "invalid", "No such board of yours.")
        promoted = board_actions.promote_message(message=message, user=request.user, board=board)
        card = board_queries.card_for(request.user, promoted.card.pk)
        return _card_response(card, status=201 if promoted.created else 200)


class PreviewView(APIView):
    @extend_schema(
        operation_id="removePreview",
        tags=["messages"],
        summary="Remove a link preview card from my message",
        responses={200: s.Message, **WRITE_ERRORS},
    )
    def delete(self, request: Request, slug: str, message_id: int, preview_id: int) -> Response:
        message = _message_for(request.user, slug, message_id)
        chat_actions.remove_preview(message=message, user=request.user, preview=preview_id)
        return Response(message_data(_message_for(request.user, slug, message_id)))


class PinsView(APIView):
    @extend_schema(
        operation_id="listPins",
        tags=["messages"],
        summary="A room's pinned messages, latest pinned first",
        responses={200: s.Pins, **READ_ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        room = chat_queries.room_for(request.user, slug)
        return Response(pins_data(room, chat_queries.pinned_messages(room)))


class PinnedView(APIView):
    @extend_schema(
        operation_id="pinMessage",
        tags=["messages"],
        summary="Pin a message to its room (owners and mentors; in a DM, any member)",
        request=None,
        responses={200: s.Message, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str, message_id: int, pinned: bool = True) -> Response:
        message = _message_for(request.user, slug, message_id)
        chat_actions.pin_message(message=message, user=request.user, pinned=pinned)
        return Response(message_data(_message_for(request.user, slug, message_id)))

    @extend_schema(
        operation_id="unpinMessage",
        tags=["messages"],
        summary="Unpin a message",
        responses={200: s.Message, **WRITE_ERRORS},
    )
    def delete(self, request: Request, slug: str, message_id: int) -> Response:
        return self.post(request, slug, message_id, pinned=False)


# --- Direct messages ---------------------------------------------------------------------------
class DirectsView(APIView):
    @extend_schema(
        operation_id="listDirectConversations",
        tags=["direct messages"],
        summary="My direct conversations, latest activity first",
        description="A direct conversation is a room of its members only: its messages, "
        "reactions, reads and pins are the room endpoints' under its `slug`.",
        responses={200: s.DirectConversation(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        conversations = chat_queries.direct_conversations(request.user)
        return Response([answers.direct_answer(dm) for dm in conversations])

    @extend_schema(
        operation_id="openDirectConversation",
        tags=["direct messages"],
        summary="Open a direct conversation with 1-7 people (the same people: the same one)",
        request=s.NewDirect,
        responses={200: s.DirectConversation, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        given = s.NewDirect(data=request.data)
        given.is_valid(raise_exception=True)
        ids = set(given.validated_data["people"]) - {request.user.pk}
        people = list(User.objects.filter(pk__in=ids, is_active=True))
        if len(people) != len(ids):
            missing = sorted(ids - {person.pk for person in people})
            return problem(400, "invalid", f"No such person: {', '.join(map(str, missing))}.")
        room = chat_actions.open_direct(request.user, people)
        found = next(
            dm for dm in chat_queries.direct_conversations(request.user) if dm["id"] == room.pk
        )
        return Response(answers.direct_answer(found))


def _direct_for(user: User, slug: str) -> dict:
    """One of my direct conversations as `direct_conversations` reads it; else 404 (a room, an
    outsider's, one I left)."""
    found = next((dm for dm in chat_queries.direct_conversations(user) if dm["slug"] == slug), None)
    if found is None:
        raise Http404("No such conversation")
    return found


class DirectView(APIView):
    @extend_schema(
        operation_id="getDirectConversation",
        tags=["direct messages"],
        summary="One of my direct conversations",
        responses={200: s.DirectConversation, **READ_ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(answers.direct_answer(_direct_for(request.user, slug)))

    @extend_schema(
        operation_id="renameDirectConversation",
        tags=["direct messages"],
        summary="Name a group conversation for all its people (any of them may)",
        description="A conversation of two cannot be named (400). An empty name goes back "
        "to the people's names. Its people's pages get the new name live.",
        request=s.DirectChanges,
        responses={200: s.DirectConversation, **WRITE_ERRORS},
    )
    def patch(self, request: Request, slug: str) -> Response:
        _direct_for(request.user, slug)
        given = s.DirectChanges(data=request.data)
        given.is_valid(raise_exception=True)
        room = chat_queries.room_for(request.user, slug)
        chat_actions.rename_direct(room=room, user=request.user, title=given.validated_data["name"])
        return Response(answers.direct_answer(_direct_for(request.user, slug)))


class LeaveDirectView(APIView):
    @extend_schema(
        operation_id="leaveDirectConversation",
        tags=["direct messages"],
        summary="Leave a group conversation",
        description="My membership and read mark go; its messages stay for the others. A "
        "conversation of two cannot be left (400). Afterwards it is a 404 to me, and opening "
        "a conversation with the same people starts a new one (nobody is added back).",
        request=None,
        responses={204: None, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        _direct_for(request.user, slug)
        room = chat_queries.room_for(request.user, slug)
        chat_actions.leave_direct(room=room, user=request.user)
        return Response(status=204)


class ReadView(APIView):
    @extend_schema(
        operation_id="markRead",
        tags=["rooms"],
        summary="Move my read mark forward to a seq",
        request=s.ReadMark,
        responses={200: s.Room, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        room = chat_queries.room_for(request.user, slug)
        given = s.ReadMark(data=request.data)
        given.is_valid(raise_exception=True)
        chat_actions.mark_read(room=room, user=request.user, seq=given.validated_data["seq"])
        return Response(answers.room_answer(chat_queries.room_for(request.user, slug)))


class MentionsView(APIView):
    @extend_schema(
        operation_id="listMentions",
        tags=["messages"],
        summary="Where I was @mentioned, newest first (at most 100)",
        responses={200: s.Mention(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        mentions = chat_queries.mentions_of(request.user)
        return Response([answers.mention_data(mention) for mention in mentions])


class MentionsSeenView(APIView):
    @extend_schema(
        operation_id="markMentionsSeen",
        tags=["messages"],
        summary="Mark all my mentions seen (in messages and card comments): the badge clears",
        request=None,
        responses={200: s.MentionsSeen, **_errors(401, 429)},
    )
    def post(self, request: Request) -> Response:
        return Response({"seen": chat_actions.mark_mentions_seen(user=request.user)})


class SearchView(APIView):
    @extend_schema(
        operation_id="searchMessages",
        tags=["messages"],
        summary="Search the messages of every room I can see (best first, at most 50)",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                required=True,
                description="Words to find (at most 200 characters).",
            )
        ],
        responses={200: s.Message(many=True), **_errors(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("q", "")
        if not text.strip():
            return problem(400, "invalid", "Say what to search for: ?q=…")
        found = chat_queries.search_messages(request.user, text)
        return Response([message_data(message) for message in found])


class CardSearchView(APIView):
    @extend_schema(
        operation_id="searchCards",
        tags=["cards"],
        summary="Search the live cards of every board I can see (best first, at most 50)",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                required=True,
                description="Words to find in titles, problems and solutions (at most 200 "
                "characters); a title match ranks first.",
            )
        ],
        responses={200: s.Card(many=True), **_errors(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("q", "")
        if not text.strip():
            return problem(400, "invalid", "Say what to search for: ?q=…")
        found = list(board_queries.search_cards(request.user, text))
        prefetch_related_objects(found, "tags", "assignees")
        prefetch_related_objects([card for card in found if card.board_has_labels], "labels")
        return Response([card_data(card, None if card.board_has_labels else []) for card in found])


class SimilarSolvedView(APIView):
    @extend_schema(
        operation_id="similarSolvedCards",
        tags=["cards"],
        summary='Solved challenges like a question (best first, at most 3): "Already solved?"',
        description="The cards in the last column of boards I can see whose words are most like "
        "the question's, each once; empty when nothing is alike or the question has fewer than "
        "3 words. What the room composer and the new-card form show while someone types.",
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                required=True,
                description="The question as typed so far (at most 200 characters read).",
            )
        ],
        responses={200: s.Card(many=True), **_errors(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("q", "")
        if not text.strip():
            return problem(400, "invalid", "Say what the question is: ?q=…")
        found = board_queries.similar_solved(request.user, text)
        prefetch_related_objects(found, "tags", "assignees", "labels")
        return Response([card_data(card) for card in found])


# --- Boards and cards --------------------------------------------------------------------------
class BoardsView(APIView):
    @extend_schema(
        operation_id="listBoards",
        tags=["boards"],
        summary="Boards I can see",
        responses={200: s.Board(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        return Response(
            [
                answers.board_answer(board)
                for board in board_queries.visible_boards(request.user).order_by("name")
            ]
        )

    @extend_schema(
        operation_id="createBoard",
        tags=["boards"],
        summary="Create a board (mine, or one of my teams')",
        request=s.NewBoard,
        responses={201: s.BoardDetail, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        given = s.NewBoard(data=request.data)
        given.is_valid(raise_exception=True)
        team = None
        if slug := given.validated_data["team"]:
            team = Team.objects.filter(slug=slug).first()
            if team is None or not policies.can_view_team(request.user, team):
                return problem(400, "invalid", "No such team of yours.")
        board = board_actions.create_board(
            user=request.user, name=given.validated_data["name"], team=team,
            public=given.validated_data["public"],
        )  # fmt: skip
        return Response(answers.board_detail(board), status=201)


def _board_for(user, board_id: int):
    return get_object_or_404(board_queries.visible_boards(user), pk=board_id)


class ColumnsView(APIView):
    @extend_schema(
        operation_id="addColumn",
        tags=["boards"],
        summary="Add a column at the end; answers the board",
        request=s.NewColumn,
        responses={201: s.BoardDetail, **WRITE_ERRORS},
    )
    def post(self, request: Request, board_id: int) -> Response:
        board = _board_for(request.user, board_id)
        given = s.NewColumn(data=request.data)
        given.is_valid(raise_exception=True)
        board_actions.add_column(board=board, user=request.user, name=given.validated_data["name"])
        return Response(answers.board_detail(_board_for(request.user, board_id)), status=201)


class ColumnView(APIView):
    def _column(self, request: Request, board_id: int, column_id: int) -> Column:
        board = _board_for(request.user, board_id)
        return get_object_or_404(Column.objects.select_related("board"), board=board, pk=column_id)

    @extend_schema(
        operation_id="changeColumn",
        tags=["boards"],
        summary="Rename a column, or move it one place; answers the board",
        request=s.ColumnChange,
        responses={200: s.BoardDetail, **WRITE_ERRORS},
    )
    def patch(self, request: Request, board_id: int, column_id: int) -> Response:
        column = self._column(request, board_id, column_id)
        given = s.ColumnChange(data=request.data)
        given.is_valid(raise_exception=True)
        if not given.validated_data:
            return problem(400, "invalid", "Give a new name, or an offset to move it.")
        if "name" in given.validated_data:
            board_actions.rename_column(
                column=column, user=request.user, name=given.validated_data["name"]
            )
        if "offset" in given.validated_data:
            board_actions.move_column(
                column=column, user=request.user, offset=given.validated_data["offset"]
            )
        return Response(answers.board_detail(_board_for(request.user, board_id)))

    @extend_schema(
        operation_id="removeColumn",
        tags=["boards"],
        summary="Remove a column (the board's owners); its cards go to ?move_to=",
        parameters=[
            OpenApiParameter(
                "move_to", OpenApiTypes.INT, required=False,
                description="Another column of the board, for the cards of this one.",
            )
        ],
        responses={200: s.BoardDetail, **WRITE_ERRORS},
    )  # fmt: skip
    def delete(self, request: Request, board_id: int, column_id: int) -> Response:
        column = self._column(request, board_id, column_id)
        move_to = None
        if "move_to" in request.query_params:
            target = as_int(request.query_params["move_to"])
            move_to = Column.objects.filter(board_id=board_id, pk=target).first()
            if move_to is None:
                return problem(400, "invalid", "move_to is another column of this board.")
        board_actions.remove_column(column=column, user=request.user, move_to=move_to)
        return Response(answers.board_detail(_board_for(request.user, board_id)))


ACTIVITY_PAGE = 100


class ActivityView(APIView):
    @extend_schema(
        operation_id="listActivity",
        tags=["boards"],
        summary="Who changed what on a board, newest first (pages of 100, by event)",
        parameters=[
            OpenApiParameter(
                "before", OpenApiTypes.INT, required=False,
                description="Only changes before this board event (the last page's smallest).",
            ),
            OpenApiParameter(
                "card", OpenApiTypes.INT, required=False, description="One card's changes only."
            ),
        ],
        responses={200: s.ActivityEntry(many=True), **_errors(400, 401, 404, 429)},
    )  # fmt: skip
    def get(self, request: Request, board_id: int) -> Response:
        board = _board_for(request.user, board_id)
        entries = board.activity.select_related("actor")
        given = request.query_params
        if "before" in given:
            entries = entries.filter(event__lt=as_int(given["before"]))
        if "card" in given:
            entries = entries.filter(card_id=as_int(given["card"]))
        page = entries.order_by("-event", "-pk")[:ACTIVITY_PAGE]
        return Response([answers.activity_data(entry) for entry in page])


class ExportView(APIView):
    @extend_schema(
        operation_id="exportBoard",
        tags=["boards"],
        summary="The whole board as one JSON document (the page's JSON export)",
        description="Boards of up to `EXPORT_INLINE_MAX_CARDS` (500) cards; a larger one "
        "answers 413 `too_large`: export it in the background (`POST /api/v1/exports/`).",
        responses={200: OpenApiTypes.OBJECT, **_errors(401, 404, 413, 429)},
    )
    def get(self, request: Request, board_id: int) -> Response:
        board = _board_for(request.user, board_id)
        if board_cards(board).count() > settings.EXPORT_INLINE_MAX_CARDS:
            return problem(
                413, "too_large", "This board is too large to answer at once: "
                "POST /api/v1/exports/ {\"kind\": \"board\", …} writes it in the background.",
            )  # fmt: skip
        return Response(board_as_data(board))


class BoardView(APIView):
    @extend_schema(
        operation_id="getBoard",
        tags=["boards"],
        summary="A board: its columns and their live cards, in order",
        responses={200: s.BoardDetail, **READ_ERRORS},
    )
    def get(self, request: Request, board_id: int) -> Response:
        return Response(answers.board_detail(_board_for(request.user, board_id)))


class CardsView(APIView):
    @extend_schema(
        operation_id="createCard",
        tags=["cards"],
        summary="Add a card to a board",
        request=s.NewCard,
        responses={201: s.Card, **WRITE_ERRORS},
    )
    def post(self, request: Request, board_id: int) -> Response:
        board = get_object_or_404(board_queries.visible_boards(request.user), pk=board_id)
        given = s.NewCard(data=request.data)
        given.is_valid(raise_exception=True)
        fields = dict(given.validated_data)
        column = None
        if (column_id := fields.pop("column", None)) is not None:
            column = Column.objects.filter(board=board, pk=column_id).first()
            if column is None:
                return problem(400, "invalid", "Add the card to a column of this board.")
        card = board_actions.create_card(board=board, user=request.user, column=column, **fields)
        return _card_response(board_queries.card_for(request.user, card.pk), status=201)


def etag(card: Card) -> str:
    return f'"v{card.version}"'


def _card_response(card: Card, status: int = 200) -> Response:
    response = Response(card_data(card), status=status)
    response["ETag"] = etag(card)
    return response


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the version your edit started from, e.g. "v3".',
)


class CardView(APIView):
    @extend_schema(
        operation_id="getCard",
        tags=["cards"],
        summary="One card (ETag: its version)",
        responses={200: s.Card, **READ_ERRORS},
    )
    def get(self, request: Request, card_id: int) -> Response:
        card = board_queries.card_for(request.user, card_id)
        if request.headers.get("If-None-Match") == etag(card):
            response = Response(status=304)
            response["ETag"] = etag(card)
            return response
        return _card_response(card)

    @extend_schema(
        operation_id="updateCard",
        tags=["cards"],
        summary="Change a card, merged with changes made since your version",
        description="Send `If-Match` with the ETag you read. If the card moved on, your "
        "change is merged three ways exactly as in the web editor: different fields, or "
        "different lines of one text, both survive. A true overlap is refused with 409 and "
        "the current card (nothing saved): merge by hand and send again with its ETag.",
        parameters=[IF_MATCH],
        request=s.CardFields,
        responses={
            200: s.CardSaved,
            **_errors(400, 401, 403, 404, 409, 412, 428, 429),
        },
    )
    def patch(self, request: Request, card_id: int) -> Response:
        card = board_queries.card_for(request.user, card_id)
        given = s.CardFields(data=request.data)
        given.is_valid(raise_exception=True)
        if_match = request.headers.get("If-Match")
        if if_match is None:
            return problem(
                428, "precondition_required", 'Send If-Match: the ETag you read, e.g. "v3".'
            )
        found = re.fullmatch(r'"v(\d{1,9})"', if_match.strip())
        if found is None or int(found[1]) > card.version:
            response = problem(
                412, "precondition_failed", f"No such version; the card is at {etag(card)}."
            )
            response["ETag"] = etag(card)
            return response
        try:
            edit = board_actions.update_card(
                card=card,
                user=request.user,
                base_version=int(found[1]),
                changes=given.validated_data,
                keep_conflicts=False,
            )
        except board_actions.EditConflict as conflict:
            current = board_queries.card_for(request.user, card_id)
            response = problem(
                409, "edit_conflict", str(conflict), fields=conflict.fields, card=card_data(current)
            )
            response["ETag"] = etag(current)
            return response
        fresh = board_queries.card_for(request.user, card_id)
        response = Response(
            {"card": card_data(fresh), "merged": edit.merged, "conflicts": edit.conflicts}
        )
        response["ETag"] = etag(fresh)
        return response


# --- Card comments -----------------------------------------------------------------------------
class CommentsView(APIView):
    @extend_schema(
        operation_id="listComments",
        tags=["cards"],
        summary="A card's comments, oldest first (at most 500)",
        responses={200: s.Comment(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, card_id: int) -> Response:
        card = board_queries.card_for(request.user, card_id)
        comments = board_queries.comments_of(card)[:500]
        for comment in comments:
            comment.card, comment.board = card, card.board
        return Response([answers.comment_answer(comment) for comment in comments])

    @extend_schema(
        operation_id="addComment",
        tags=["cards"],
        summary="Comment on a card (Markdown; @name mentions a person who can see the board)",
        request=s.CommentBody,
        responses={201: s.Comment, **WRITE_ERRORS},
    )
    def post(self, request: Request, card_id: int) -> Response:
        card = board_queries.card_for(request.user, card_id)
        given = s.CommentBody(data=request.data)
        given.is_valid(raise_exception=True)
        comment = board_actions.add_comment(
            card=card, user=request.user, body=given.validated_data["body"]
        )
        fresh = board_queries.comment_for(request.user, comment.pk)
        return Response(answers.comment_answer(fresh), status=201)


class CommentView(APIView):
    @extend_schema(
        operation_id="getComment",
        tags=["cards"],
        summary="One card comment",
        responses={200: s.Comment, **READ_ERRORS},
    )
    def get(self, request: Request, comment_id: int) -> Response:
        return Response(answers.comment_answer(board_queries.comment_for(request.user, comment_id)))

    @extend_schema(
        operation_id="editComment",
        tags=["cards"],
        summary="Edit my comment (its mentions follow the new text)",
        request=s.CommentBody,
        responses={200: s.Comment, **WRITE_ERRORS},
    )
    def patch(self, request: Request, comment_id: int) -> Response:
        comment = board_queries.comment_for(request.user, comment_id)
        given = s.CommentBody(data=request.data)
        given.is_valid(raise_exception=True)
        board_actions.edit_comment(
            comment=comment, user=request.user, body=given.validated_data["body"]
        )
        return Response(answers.comment_answer(board_queries.comment_for(request.user, comment_id)))

    @extend_schema(
        operation_id="deleteComment",
        tags=["cards"],
        summary="Delete a comment (mine; the board's owners: any)",
        responses={204: None, **WRITE_ERRORS},
    )
    def delete(self, request: Request, comment_id: int) -> Response:
        comment = board_queries.comment_for(request.user, comment_id)
        board_actions.delete_comment(comment=comment, user=request.user)
        return Response(status=204)


# --- Exports -----------------------------------------------------------------------------------
def _export_for(user, export_id: int):
    export = export_queries.export_for(user, export_id)
    if export is None:
        raise Http404("No such export")
    return export


class ExportsView(APIView):
    @extend_schema(
        operation_id="listExports",
        tags=["exports"],
        summary="My exports not yet expired, newest first",
        responses={200: s.Export(many=True), **READ_ERRORS},
    )
    def get(self, request: Request) -> Response:
        found = export_queries.exports_of(request.user)[: export_queries.LISTED]
        return Response([export_data(export) for export in found])

    @extend_schema(
        operation_id="startExport",
        tags=["exports"],
        summary="Export a board, a room's history or my solved cards, in the background",
        description="Answers at once (202) with the export waiting; its progress comes as "
        "`export` frames on the live socket (`me`), or poll `GET /api/v1/exports/<id>/`.",
        request=s.NewExport,
        responses={202: s.Export, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        given = s.NewExport(data=request.data)
        given.is_valid(raise_exception=True)
        fields = given.validated_data
        target = {}
        if fields["kind"] == "board":
            if "board" not in fields:
                return problem(400, "invalid", "Name the board: `board` (its id).")
            target["board"] = _board_for(request.user, fields["board"])
        elif fields["kind"] == "room":
            if "room" not in fields:
                return problem(400, "invalid", "Name the room: `room` (its slug).")
            target["room"] = chat_queries.room_for(request.user, fields["room"])
        elif fields["kind"] == "hub":
            if "team" not in fields:
                return problem(400, "invalid", "Name the team: `team` (its slug).")
            target["team"] = _team_for(request.user, fields["team"])
        export = export_actions.start_export(
            user=request.user, kind=fields["kind"], format=fields["format"], **target
        )
        export.refresh_from_db()  # in the embedded default it is written already
        return Response(export_data(export), status=202)


class ExportDetailView(APIView):
    @extend_schema(
        operation_id="getExport",
        tags=["exports"],
        summary="One of my exports: its status, progress and, once done, where its file is",
        responses={200: s.Export, **READ_ERRORS},
    )
    def get(self, request: Request, export_id: int) -> Response:
        return Response(export_data(_export_for(request.user, export_id)))


# An export answers in its format's type, each named (see FILE_ANSWERS).
EXPORT_FILE_ANSWERS = {
    (200, media): OpenApiTypes.BINARY
    for media in dict.fromkeys(kind.split(";")[0] for kind in EXPORT_CONTENT_TYPES.values())
}


class ExportFileView(APIView):
    @extend_schema(
        operation_id="getExportFile",
        tags=["exports"],
        summary="The file of one of my exports, once done (a download)",
        responses={**EXPORT_FILE_ANSWERS, **READ_ERRORS},
    )
    def get(self, request: Request, export_id: int):
        export = _export_for(request.user, export_id)
        if export.download_url() is None:
            raise Http404("This export has no file (yet)")
        return file_response(export)


# --- a team's API schemas, reports bound to them, its hub (decision 024) -------------------------


def schema_data(schema: ApiSchema, document: bool = False) -> dict:
    data = {
        "version": schema.version, "status": schema.status, "source": schema.source,
        "url": schema.url, "error": schema.error, "title": schema.title,
        "api_version": schema.api_version, "created_at": schema.created_at.isoformat(),
        "operations": [
            {"path": path, "method": method, "summary": summary}
            for path, methods in schema.operations() for method, summary in methods
        ],
    }  # fmt: skip
    if document:
        data["document"] = schema.document
    return data


class ApiSchemasView(APIView):
    @extend_schema(
        operation_id="listApiSchemas",
        tags=["hub"],
        summary="The registered OpenAPI schemas of one of my teams, newest first",
        responses={200: s.ApiSchema(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        team = _team_for(request.user, slug)
        return Response([schema_data(found) for found in team.api_schemas.all()])

    @extend_schema(
        operation_id="registerApiSchema",
        tags=["hub"],
        summary="Register a new version of the team's API schema (owners)",
        description="`document` (JSON or YAML text) is checked at once (201); `url` is "
        "fetched in the background (202, `status: pending`).",
        request=s.NewApiSchema,
        responses={201: s.ApiSchema, 202: s.ApiSchema, **WRITE_ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        team = _team_for(request.user, slug)
        given = s.NewApiSchema(data=request.data)
        given.is_valid(raise_exception=True)
        made = hub_actions.register_schema(
            team=team, user=request.user, document=given.validated_data.get("document"),
            url=given.validated_data.get("url"),
        )  # fmt: skip
        made.refresh_from_db()
        return Response(schema_data(made), status=201 if made.source == "upload" else 202)


class ApiSchemaView(APIView):
    @extend_schema(
        operation_id="getApiSchema",
        tags=["hub"],
        summary="One registered version, with its document",
        responses={200: s.ApiSchemaDetail, **READ_ERRORS},
    )
    def get(self, request: Request, slug: str, version: int) -> Response:
        team = _team_for(request.user, slug)
        found = get_object_or_404(ApiSchema, team=team, version=version)
        return Response(schema_data(found, document=True))


class ApiReportsView(APIView):
    @extend_schema(
        operation_id="reportApiProblem",
        tags=["hub"],
        summary="Report what an endpoint of the team's schema answered: a new card",
        request=s.NewApiReport,
        responses={201: s.ApiReport, **WRITE_ERRORS},
    )
    def post(self, request: Request, board_id: int) -> Response:
        board = _board_for(request.user, board_id)
        given = s.NewApiReport(data=request.data)
        given.is_valid(raise_exception=True)
        fields = dict(given.validated_data)
        if board.team is None:
            return problem(400, "invalid", "Only boards of a team take API reports.")
        schema = get_object_or_404(
            ApiSchema, team=board.team, version=fields.pop("schema"), status="ready"
        )
        fields["operation"] = f"{fields.pop('method')} {fields.pop('path')}"
        try:
            made = hub_actions.report_problem(
                board=board, user=request.user, schema=schema, fields=fields
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {}
            text = " ".join(f"{name}: {' '.join(said)}" for name, said in errors.items())
            return problem(400, "invalid", text or " ".join(exc.messages), errors=errors)
        return Response(made.as_data(), status=201)


class HubView(APIView):
    @extend_schema(
        operation_id="setHubVisibility",
        tags=["hub"],
        summary="Make the team's hub public or private (owners)",
        request=s.HubSettings,
        responses={200: s.HubSettings, **WRITE_ERRORS},
    )
    def put(self, request: Request, slug: str) -> Response:
        team = _team_for(request.user, slug)
        given = s.HubSettings(data=request.data)
        given.is_valid(raise_exception=True)
        hub = hub_actions.set_hub_public(
            team=team, user=request.user, public=given.validated_data["public"]
        )
        return Response({"public": hub.is_public, "url": reverse("hub:page", args=[team.slug])})
