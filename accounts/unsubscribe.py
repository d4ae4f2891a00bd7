"""One-click unsubscribe from notification emails (RFC 8058): a signed token names the person,
so the link works without signing in, and only for the person it was made for."""

from django.core import signing
from django.urls import reverse

from accounts.models import User

_SALT = "accounts.unsubscribe"


def token_for(user: User) -> str:
    return signing.dumps(user.pk, salt=_SALT, compress=False)


def person_for(token: str) -> User | None:
    """The person the token was made for; None when it is forged, damaged or theirs is gone."""
    try:
        pk = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=pk, is_active=True).first() if isinstance(pk, int) else None


def url_path(user: User) -> str:
    return reverse("accounts:unsubscribe", args=[token_for(user)])
