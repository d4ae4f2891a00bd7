"""`Authorization: Bearer <access token>` for the API (pages keep their session cookie)."""

from rest_framework import authentication, exceptions

from api import tokens


class TokenFailed(exceptions.AuthenticationFailed):
    def __init__(self, error: tokens.TokenError) -> None:
        super().__init__(error.detail, code=error.code)


class BearerAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise TokenFailed(tokens.TokenError("token_invalid", "Send `Bearer <access token>`."))
        try:
            user, family = tokens.user_for_access(header[1].decode("latin-1"))
        except tokens.TokenError as error:
            raise TokenFailed(error) from None
        return user, family

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
