"""Request limits for the API: GCRA per person (or per address when anonymous), on Redis when
it is set (shared by every process), as the sockets' limits are (nexus_live/ratelimit.py).

Units, as the headers state them: a burst of `API_RATE_BURST` requests, refilled at
`API_RATE_PER_MINUTE` requests a minute. `RateLimit-Policy: <burst>;w=<seconds to refill the
burst>`; on a refusal, `Retry-After` and `RateLimit: limit=<burst>, remaining=0, reset=<s>`.
"""

import math

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from nexus_live import ratelimit


def policy() -> tuple[int, float]:
    burst = settings.API_RATE_BURST
    return burst, 60.0 / settings.API_RATE_PER_MINUTE


def policy_header() -> str:
    burst, interval = policy()
    return f"{burst};w={math.ceil(burst * interval)}"


class RequestRate(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        if request.user and request.user.is_authenticated:
            who = f"user:{request.user.pk}"
        else:
            who = f"ip:{self.get_ident(request)}"
        burst, interval = policy()
        self.retry_after = ratelimit.wait_for(f"api:{who}", burst=burst, interval=interval)
        return self.retry_after == 0.0

    def wait(self) -> float:
        return self.retry_after
