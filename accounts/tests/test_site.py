"""The site that mails speak for: its name and domain come from settings, never example.com."""

from django.contrib.sites.models import Site
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts import actions

NEW = {
    "email": "dana@example.com",
    "password1": "a-long-pass-phrase",
    "password2": "a-long-pass-phrase",
}


def test_it_names_the_site_in_the_confirmation_mail(client, db):
    client.post(reverse("account_signup"), NEW)
    (message,) = mail.outbox
    assert message.subject.startswith("[Nexus Live] ")
    assert "register an account on 127.0.0.1:8000" in message.body
    assert "example.com" not in message.subject + message.body.replace("dana@example.com", "")


@override_settings(SITE_NAME="Nexus Campus", SITE_DOMAIN="nexus.school.test")
def test_it_takes_the_name_and_domain_from_settings(db):
    actions.sync_site()
    site = Site.objects.get_current()
    assert (site.name, site.domain) == ("Nexus Campus", "nexus.school.test")


@override_settings(SITE_NAME="Nexus Campus", SITE_DOMAIN="nexus.school.test")
def test_the_password_reset_mail_speaks_for_the_site_of_the_settings(client, alice):
    actions.sync_site()
    client.post(reverse("account_reset_password"), {"email": alice.email})
    (message,) = mail.outbox
    assert message.subject.startswith("[Nexus Campus] ")
    assert "Nexus Campus" in message.body
    assert "example.com" not in message.subject + message.body.replace(alice.email, "")
