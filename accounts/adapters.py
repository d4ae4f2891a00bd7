"""allauth hook: fill the profile (display name, avatar) from Google."""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.http import HttpRequest

from accounts.models import User


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data
        user.display_name = (extra.get("name") or "")[:80]
        picture = extra.get("picture") or ""
        if picture.startswith("https://"):
            user.avatar_url = picture[:500]
        return user
