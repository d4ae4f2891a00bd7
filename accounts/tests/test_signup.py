"""Email sign-up: unique addresses, mandatory verification, sign-in and sign-out by POST."""

import re

from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from conftest import PASSWORD

NEW = {
    "email": "dana@example.com",
    "password1": "a-long-pass-phrase",
    "password2": "a-long-pass-phrase",
}


def test_it_signs_up_and_requires_the_emailed_link(client, db):
    response = client.post(reverse("account_signup"), NEW)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email="dana@example.com").exists()
    assert client.get(reverse("home")).status_code == 302  # not signed in yet

    (message,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    response = client.post(link.split("testserver", 1)[-1])
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="dana@example.com").verified
    assert client.get(reverse("home")).status_code == 200


def test_it_refuses_a_second_account_on_the_same_email(client, alice):
    # allauth does not reveal who has an account: the page looks the same, the owner gets a mail.
    client.post(reverse("account_signup"), {**NEW, "email": "ALICE@example.com"})
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert "already" in message.body


def test_it_signs_in_with_email_and_password(client, alice):
    response = client.post(
        reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_sign_out_needs_a_post(client, alice):
    client.force_login(alice)
    client.get(reverse("account_logout"))
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("home")).status_code == 302
