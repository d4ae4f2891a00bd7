"""/graphql/ over HTTP: signed in like the REST API (a Bearer access token, or the session with
its CSRF check), limited like it (the same per-person budget), every error in GraphQL's shape
with the REST problem codes."""

from cross_web import HTTPException
from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.template.loader import render_to_string
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView

from api import tokens
from api.gql.schema import schema
from api.throttling import RequestRate, stamp

BEARER = "bearer "


def error_response(status: int, code: str, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status=status,
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> str:
        return reason


def _csrf_failure(request: HttpRequest) -> str | None:
    """What DRF's SessionAuthentication checks: a session's POST carries the CSRF token."""
    check = _CsrfCheck(lambda request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {})


@method_decorator(csrf_exempt, name="dispatch")  # checked below, for the session only
class NexusGraphQLView(GraphQLView):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """Every answer says where the person's request budget stands (api/throttling.py)."""
        return stamp(request, self._answer(request))

    def _answer(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header:
            if not header.lower().startswith(BEARER):
                return error_response(401, "token_invalid", "Send `Bearer <access token>`.")
            try:
                request.user, _family = tokens.user_for_access(header[len(BEARER) :].strip())
            except tokens.TokenError as error:
                return error_response(
                    401, error.code, error.detail, WWW_Authenticate='Bearer realm="api"'
                )
        elif request.method == "POST" and request.user.is_authenticated:
            if reason := _csrf_failure(request):
                return error_response(403, "forbidden", f"CSRF check failed: {reason}")
        throttle = RequestRate()
        if not throttle.allow_request(request, self):
            wait = max(1, round(throttle.wait() + 0.5))
            return error_response(429, "rate_limited", "Too many requests.", Retry_After=str(wait))
        try:
            response = self.run(request=request)
        except HTTPException as error:  # not a GraphQL request at all
            code = "method_not_allowed" if error.status_code == 405 else "parse_error"
            response = error_response(error.status_code, code, error.reason)
        return response

    def get_context(self, request: HttpRequest, response: HttpResponse) -> dict:
        return {"request": request, "response": response, "user": request.user}

    def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        """GraphiQL (settings.GRAPHIQL), from our template: its files are served from the npm
        package, never a CDN (docs/decisions/012-graphql.md)."""
        if not settings.GRAPHIQL:
            return error_response(
                400, "invalid", "Send a query: ?query=… or a POST of JSON. (No GraphiQL here.)"
            )
        return _graphiql(request)


# GraphiQL sets style attributes as it draws and carries its fonts as data: URLs: allowed on
# its page only (as Swagger UI's on /api/docs/).
@csp_update({"style-src": ["'unsafe-inline'"], "font-src": ["data:"]})
def _graphiql(request: HttpRequest) -> HttpResponse:
    return HttpResponse(render_to_string("api/graphiql.html", request=request))


# Queries also over GET (Strawberry refuses a mutation over GET).
graphql_view = NexusGraphQLView.as_view(schema=schema, allow_queries_via_get=True)
