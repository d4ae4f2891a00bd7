"""ASGI entry point: HTTP through Django; WebSockets through the routes of chat/ and boards/
(cookies, from this site's own pages only), api/ (a token in the first frame, any Origin) and
GraphQL's /graphql/ (a token in connection_init, or cookies from this site's own pages)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus_live.settings")
# Build the app registry before anything imports models (consumers do).
django_asgi_app = get_asgi_application()

from asgiref.sync import markcoroutinefunction  # noqa: E402
from channels.routing import URLRouter  # noqa: E402

import api.routing  # noqa: E402
import boards.routing  # noqa: E402
import chat.routing  # noqa: E402
from api.gql.consumers import CookiesFromOwnPages, GraphQLSocket  # noqa: E402
from nexus_live import drain, metrics  # noqa: E402
from nexus_live.origin import OriginValidator  # noqa: E402

# A page's socket signs in by its session cookie, read by the socket itself (LiveConsumer):
# no session and auth middleware, whose frames, scope copies and lazy objects every idle
# socket would keep (decision 009).
pages = OriginValidator(
    URLRouter(chat.routing.websocket_urlpatterns + boards.routing.websocket_urlpatterns)
)
api_sockets = URLRouter(api.routing.websocket_urlpatterns)
API_PATHS = frozenset(f"/{route.pattern}" for route in api.routing.websocket_urlpatterns)
GRAPHQL_PATH = "/graphql/"
graphql_socket = CookiesFromOwnPages(GraphQLSocket.as_asgi())


def websockets(scope, receive, send):
    """API sockets sign in by token, not cookie: no Origin check (it guards cookies), no
    session. GraphQL's takes either, the session only under the Origin check. Every other
    socket is a page's."""
    if scope["path"] in API_PATHS:
        app = api_sockets
    elif scope["path"] == GRAPHQL_PATH:
        app = graphql_socket
    else:
        app = pages
    return app(scope, receive, send)


@markcoroutinefunction
def by_protocol(scope, receive, send):
    """Channels' ProtocolTypeRouter without a frame of its own: each layer here answers the
    awaitable of the next, so an idle socket keeps only its consumer's frames alive."""
    if scope["type"] == "http":
        return django_asgi_app(scope, receive, send)
    if scope["type"] == "websocket":
        return websockets(scope, receive, send)
    raise ValueError(f"No application configured for scope type {scope['type']!r}")


# The first connection starts the event loop's lag probe (nexus_live/metrics.py).
application = metrics.WatchEventLoop(by_protocol)

# SIGTERM closes every socket with 1012 and exits within DRAIN_SECONDS (nexus_live/drain.py).
drain.install()

# Everything loaded so far lives as long as the process: take it out of the garbage collector's
# view. Its full collections then walk only what requests create; without this they paused a
# busy process for tens of milliseconds (boards' propagation p99 with 2 daphne processes: about
# 100 ms, 21-23 ms with it; docs/decisions/006).
gc.freeze()
