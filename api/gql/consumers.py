"""/graphql/ over a WebSocket (graphql-transport-ws): signed in by the connection_init payload
({"authorization": "Bearer <access token>"}: never a token in the URL, it ends up in logs) or,
from this site's own pages, by the session cookie. Subscriptions listen to the same groups the
pages and /ws/v1/events/ do; what the channel layer sends reaches each by its group."""

import asyncio
import logging
from collections import Counter, defaultdict
from contextlib import asynccontextmanager

from channels.auth import AuthMiddlewareStack
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError

from accounts.models import User
from api import tokens
from api.gql.schema import schema
from nexus_live import drain, events
from nexus_live.origin import origin_allowed
from nexus_live.sockets import signed_in_user
from nexus_live.writes import read

log = logging.getLogger(__name__)

ACCESS_EVENTS = ("access.changed", "session.signed_out")  # every subscription looks again
MAX_SUBSCRIPTIONS = 50


class GraphQLSocket(GraphQLWSConsumer):
    user: User | None = None
    family = None
    session_key: str | None = None

    def __init__(self) -> None:
        super().__init__(schema=schema, max_subscriptions_per_connection=MAX_SUBSCRIPTIONS)
        self.listeners: defaultdict[str, set[asyncio.Queue]] = defaultdict(set)
        self.members: Counter[str] = Counter()  # subscriptions per group

    async def connect(self) -> None:
        drain.opened(self)  # a SIGTERM closes it with 1012
        await super().connect()

    async def disconnect(self, code: int) -> None:
        drain.closed(self)
        await super().disconnect(code)
        joined = [group for group, count in self.members.items() if count > 0]
        if self.user is not None:
            joined.append(events.access_group(self.user.pk))
        if session := events.session_group(self.session_key):
            joined.append(session)
        if joined and self.channel_layer is not None:
            await events.leave(self.channel_name, joined)

    def is_websocket_origin_allowed(self, request, origin: str) -> bool:
        """Any Origin: on another site's page the cookies were already dropped (see
        CookiesFromOwnPages), so only a token can sign that socket in."""
        return True

    # --- Signing in ------------------------------------------------------------------------
    async def on_ws_connect(self, context: dict) -> dict:
        """connection_init: a Bearer token in its payload, else the session (only from this
        site's own pages: see `CookiesFromOwnPages`). Refused: closed with 4403."""
        params = context.get("connection_params") or {}
        header = params.get("authorization") or params.get("Authorization")
        if header is not None:
            if not isinstance(header, str) or not header.lower().startswith("bearer "):
                raise ConnectionRejectionError({"code": "token_invalid"})
            try:
                self.user, self.family = await read(tokens.user_for_access, header[7:].strip())
            except tokens.TokenError as error:
                raise ConnectionRejectionError({"code": error.code}) from None
        else:
            user = self.scope.get("user")
            if user is None or not user.is_authenticated:
                raise ConnectionRejectionError({"code": "not_authenticated"})
            self.user = user
            self.session_key = self.scope["session"].session_key
        groups = [events.access_group(self.user.pk)]
        if session := events.session_group(self.session_key):
            groups.append(session)
        await events.join(self.channel_name, groups)
        # Joined, then look again: a sign-out committed in between is not missed for good.
        if not await self.still_signed_in():
            raise ConnectionRejectionError({"code": "token_revoked"})
        context["user"] = self.user
        return {"user": self.user.pk}

    async def still_signed_in(self) -> bool:
        if self.family is not None:
            user = await read(tokens.signed_in, self.user.pk, self.family)
        else:
            user = await read(signed_in_user, self.session_key)
        self.user = user
        return user is not None

    # --- Events from the channel layer -----------------------------------------------------
    @asynccontextmanager
    async def listening(self, groups: list[str]):
        """A queue of what the channel layer sends to `groups` (and of access changes), the
        groups joined before it is handed out (join first, then catch up)."""
        queue: asyncio.Queue = asyncio.Queue()
        new = [group for group in groups if self.members[group] == 0]
        for group in groups:
            self.members[group] += 1
            self.listeners[group].add(queue)
        self.listeners["access"].add(queue)
        try:
            await events.join(self.channel_name, new)
            yield queue
        finally:
            self.listeners["access"].discard(queue)
            for group in groups:
                self.listeners[group].discard(queue)
                self.members[group] -= 1
            gone = [group for group in groups if self.members[group] <= 0]
            if gone:
                await events.leave(self.channel_name, gone)

    async def dispatch(self, message: dict) -> None:
        kind = message.get("type", "")
        if kind.startswith(("websocket.", "http.")):
            await super().dispatch(message)
        elif kind in ACCESS_EVENTS:
            if kind == "session.signed_out" or not await self.still_signed_in():
                await self.close(code=4401)
                return
            for queue in self.listeners["access"]:
                queue.put_nowait(message)
        else:  # live.frame, live.frames, live.space_changed...: to that group's subscriptions
            for queue in self.listeners.get(message.get("group", ""), ()):
                queue.put_nowait(message)


class CookiesFromOwnPages:
    """The session counts only on a socket opened from this site's own pages (the Origin
    check the page sockets use, nexus_live/origin.py): elsewhere, a token must sign in, so
    another site cannot subscribe with a visitor's cookies."""

    def __init__(self, app) -> None:
        self.app = app
        self.with_session = AuthMiddlewareStack(app)

    async def __call__(self, scope, receive, send) -> None:
        # A session cookie holding a NUL is nobody's (as nexus_live.sockets.session_key_of):
        # dropped like a foreign page's, before Channels' session middleware looks it up.
        if origin_allowed(scope) and not _nul_session(scope):
            return await self.with_session(scope, receive, send)
        headers = [(name, value) for name, value in scope["headers"] if name != b"cookie"]
        scope = {**scope, "headers": headers, "user": AnonymousUser()}
        return await self.app(scope, receive, send)


def _nul_session(scope) -> bool:
    """The handshake's session cookie holds a NUL (a quoted `\\000` unquotes to one)."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            key = parse_cookie(value.decode("latin1")).get(settings.SESSION_COOKIE_NAME)
            return key is not None and "\x00" in key
    return False
