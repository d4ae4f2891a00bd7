"""Under /api/, every error is a problem document, also those no API view answered: an unknown
address, a method the URL does not take, a server error."""

import logging

from django.http import HttpRequest, HttpResponse

from api.problems import CONTENT_TYPE, TITLES, problem
from api.throttling import stamp

log = logging.getLogger(__name__)
PREFIX = "/api/"


class ApiProblemsMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(PREFIX) or request.path.startswith("/api/docs/"):
            return response
        if response.status_code >= 400 and response.get("Content-Type", "") != CONTENT_TYPE:
            code = "not_found" if response.status_code == 404 else "error"
            replacement = problem(
                response.status_code, code, TITLES.get(response.status_code, "Error") + "."
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            response = replacement
        return stamp(request, response)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not request.path.startswith(PREFIX):
            return None
        log.exception("API request failed: %s %s", request.method, request.path)
        return problem(500, "server_error", "Something went wrong on our side; it is logged.")
