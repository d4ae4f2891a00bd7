"""Request limits for the API: GCRA per person (or per address when anonymous), on Redis when
it is set (shared by every process), as the sockets' limits are (nexus_live/ratelimit.py).

Units, as the headers state them (the IETF draft's fields, docs/api.md): a burst of
`API_RATE_BURST` requests, refilled at `API_RATE_PER_MINUTE` requests a minute. On every answer,
`RateLimit-Policy: <burst>;w=<seconds to refill the burst>` and `RateLimit: limit=<burst>,
remaining=<requests left now>, reset=<seconds until the burst is whole again>`; on a refusal,
also `Retry-After: <seconds until the next request may go>`.
"""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import BaseThrottle

from nexus_live import ratelimit

ATTRIBUTE = "nexus_rate_allowance"  # on the Django request: what its request took


def policy() -> tuple[int, float]:
    burst = settings.API_RATE_BURST
    return burst, 60.0 / settings.API_RATE_PER_MINUTE


def policy_header() -> str:
    burst, interval = policy()
    return f"{burst};w={math.ceil(burst * interval)}"


def allowance_header(allowance: ratelimit.Allowance) -> str:
    return (
        f"limit={policy()[0]}, remaining={allowance.remaining}, reset={math.ceil(allowance.reset)}"
    )


def _django_request(request) -> HttpRequest:
    return getattr(request, "_request", request)  # DRF's Request wraps Django's


def _who(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{BaseThrottle().get_ident(request)}"


def _take(request, *, only_look: bool = False) -> ratelimit.Allowance:
    burst, interval = policy()
    return ratelimit.take(
        f"api:{_who(request)}", burst=burst, interval=interval, only_look=only_look
    )


def stamp(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Both headers on an answer: what this request took, or, when nothing was taken (refused
    before the throttle, or no view answered), where the person's budget stands now."""
    allowance = getattr(request, ATTRIBUTE, None) or _take(request, only_look=True)
    response["RateLimit-Policy"] = policy_header()
    response["RateLimit"] = allowance_header(allowance)
    return response


class RequestRate(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        allowance = _take(request)
        setattr(_django_request(request), ATTRIBUTE, allowance)
        self.retry_after = allowance.wait
        return self.retry_after == 0.0

    def wait(self) -> float:
        return self.retry_after
