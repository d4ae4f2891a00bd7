import pytest
from rest_framework.test import APIClient

from api import tokens


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def bearer():
    """`bearer(user)`: an API client holding a fresh access token of that person."""

    def client_for(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.sign_in(user).access}")
        return client

    return client_for
