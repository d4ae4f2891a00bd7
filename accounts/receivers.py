"""What the accounts app hears from Django and allauth: it hands each to an action."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from accounts import actions
from nexus_live import events


@receiver(user_logged_out)
def close_sockets_of_session(sender, request, user, **kwargs) -> None:
    events.session_signed_out(getattr(request.session, "session_key", None))


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def password_was_changed(sender, request, user, **kwargs) -> None:
    actions.credentials_changed(user=user)


@receiver(post_migrate)
def site_follows_settings(sender, app_config, **kwargs) -> None:
    if app_config.name == "accounts":  # once per migrate; every table exists by now
        actions.sync_site()
