"""JWT pairs for API clients: short-lived access tokens, refresh tokens that rotate.

A refresh token works once. Refreshing marks it used (under its row's lock, so two concurrent
refreshes of one token cannot both win) and issues the next one in the same family. A token
presented again after it was used means two parties hold it: the whole family is revoked, the
thief's tokens and the owner's alike, and the owner signs in again (OAuth 2.0 Security BCP,
refresh token rotation). Access tokens carry their family's id, so a revoked family's access
tokens stop working at once, not when they expire.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from api.models import RefreshToken, TokenFamily
from nexus_live import events

ALGORITHM = "HS256"
ISSUER = "nexus-live"
AUDIENCE = "nexus-live-api"


class TokenError(Exception):
    """A token that cannot be used; `code` is the stable machine-readable reason."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Pair:
    access: str
    refresh: str
    access_expires_in: int  # seconds
    refresh_expires_in: int

    def as_dict(self) -> dict[str, object]:
        return {
            "access": self.access,
            "refresh": self.refresh,
            "token_type": "Bearer",
            "expires_in": self.access_expires_in,
            "refresh_expires_in": self.refresh_expires_in,
        }


def _encode(claims: dict[str, object], lifetime: int) -> str:
    now = timezone.now()
    claims = {
        **claims,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=lifetime)).timestamp()),
    }
    return jwt.encode(claims, settings.API_SIGNING_KEY, algorithm=ALGORITHM)


def _decode(token: object, kind: str) -> dict[str, object]:
    if not isinstance(token, str) or not token:
        raise TokenError("token_missing", f"Send the {kind} token.")
    try:
        claims = jwt.decode(
            token,
            settings.API_SIGNING_KEY,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "jti", "typ", "fam"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("token_expired", f"This {kind} token has expired.") from None
    except jwt.InvalidTokenError:
        raise TokenError("token_invalid", f"This is not a valid {kind} token.") from None
    try:
        valid = claims["typ"] == kind and str(claims["sub"]).isdigit()
        uuid.UUID(str(claims["jti"])), uuid.UUID(str(claims["fam"]))
    except ValueError:
        valid = False
    if not valid:
        raise TokenError("token_invalid", f"This is not a {kind} token.")
    return claims


def _issue(family: TokenFamily) -> Pair:
    access_lifetime = settings.API_ACCESS_TOKEN_SECONDS
    refresh_lifetime = settings.API_REFRESH_TOKEN_SECONDS
    refresh = RefreshToken.objects.create(
        family=family, expires_at=timezone.now() + timedelta(seconds=refresh_lifetime)
    )
    subject = {"sub": str(family.user_id), "fam": str(family.pk)}
    return Pair(
        access=_encode({**subject, "typ": "access", "jti": uuid.uuid4().hex}, access_lifetime),
        refresh=_encode({**subject, "typ": "refresh", "jti": str(refresh.jti)}, refresh_lifetime),
        access_expires_in=access_lifetime,
        refresh_expires_in=refresh_lifetime,
    )


def sign_in(user: User) -> Pair:
    """A new family for a person whose credentials were just checked."""
    with transaction.atomic():
        return _issue(TokenFamily.objects.create(user=user))


def refresh(token: object) -> Pair:
    """The next pair for a refresh token, which is then used up."""
    claims = _decode(token, "refresh")
    with transaction.atomic():
        stored = (
            RefreshToken.objects.select_for_update()
            .select_related("family__user")
            .filter(jti=claims["jti"], family_id=claims["fam"])
            .first()
        )
        if stored is None:
            raise TokenError("token_invalid", "This refresh token is not known.")
        family = stored.family
        if family.revoked_at is not None:
            raise TokenError("token_revoked", "This sign-in has ended: sign in again.")
        if not family.user.is_active:
            raise TokenError("token_revoked", "This account is disabled.")
        if stored.used_at is None:
            stored.used_at = timezone.now()
            stored.save(update_fields=["used_at"])
            return _issue(family)
    # Used before: someone else holds this token too. End the family (its own transaction:
    # the refusal below must not roll the revocation back).
    revoke_family(family.pk, because="reuse")
    events.access_changed(family.user_id)
    raise TokenError(
        "token_reused",
        "This refresh token was already used: every token of this sign-in is revoked.",
    )


def revoke_family(family_id: object, *, because: str) -> None:
    TokenFamily.objects.filter(pk=family_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_because=because
    )


def sign_out(token: object) -> None:
    """Revoke the family of a refresh token (the client signs out)."""
    claims = _decode(token, "refresh")
    revoke_family(claims["fam"], because="sign-out")
    events.access_changed(int(claims["sub"]))  # its live sockets close


def revoke_all(user: User, *, because: str) -> None:
    """End every API sign-in of a person (their password changed, they were disabled)."""
    TokenFamily.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_because=because
    )


def user_for_access(token: object) -> tuple[User, uuid.UUID]:
    """The person an access token speaks for, while its family lives (one query)."""
    claims = _decode(token, "access")
    family = (
        TokenFamily.objects.select_related("user")
        .filter(pk=claims["fam"], user_id=claims["sub"])
        .first()
    )
    if family is None or family.revoked_at is not None:
        raise TokenError("token_revoked", "This sign-in has ended: sign in again.")
    if not family.user.is_active:
        raise TokenError("token_revoked", "This account is disabled.")
    return family.user, family.pk


def signed_in(user_pk: int, family_id: uuid.UUID) -> User | None:
    """The person, while the sign-in an access token came from lives: a live socket asks
    again after each access change (a revoked family or a disabled account: None)."""
    family = TokenFamily.objects.select_related("user").filter(pk=family_id, user_id=user_pk)
    family = family.filter(revoked_at__isnull=True, user__is_active=True).first()
    return None if family is None else family.user


# --- One-time socket tickets -------------------------------------------------------------------
TICKET_SECONDS = 30


def _ticket_key(ticket: str) -> str:
    return "ws-ticket:" + hashlib.sha256(ticket.encode()).hexdigest()  # the cache never holds it


def issue_ticket(user: User, family: uuid.UUID) -> str:
    """A ticket for one /ws/v1/events/ connection within TICKET_SECONDS, for clients that can
    only put something in the URL: used once, short-lived, tied to this sign-in."""
    ticket = secrets.token_urlsafe(32)
    cache.set(_ticket_key(ticket), (user.pk, str(family)), TICKET_SECONDS)
    return ticket


def redeem_ticket(ticket: object) -> tuple[User, uuid.UUID]:
    """The person and sign-in of a ticket, which is used up; any second use fails. The delete
    decides, so of two sockets racing with one ticket exactly one gets in."""
    unknown = TokenError("ticket_invalid", "This ticket is unknown, used or expired.")
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
        raise unknown
    key = _ticket_key(ticket)
    found = cache.get(key)
    if found is None or not cache.delete(key):
        raise unknown
    user_pk, family = found[0], uuid.UUID(found[1])
    user = signed_in(user_pk, family)
    if user is None:
        raise TokenError("token_revoked", "This sign-in has ended: sign in again.")
    return user, family
