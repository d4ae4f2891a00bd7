"""The hub and schema pages on a phone, in dark mode, with what people really type: a board
named with one long word, a challenge whose text never breaks, a schema fetch that failed with
a long reason. Nothing may widen the page (it scrolled sideways to 2,000+ px)."""

import json

import pytest

from boards import actions as board_actions
from hub import actions as hub_actions
from hub.content import Hub
from hub.models import ApiSchema
from hub.tests.conftest import PETS
from tests.browser.conftest import PHONE, SCREENSHOTS_DIR, off_the_loop

pytestmark = pytest.mark.django_db(transaction=True)

WORD = "Averyverylongwordwithoutanyspaces" * 6


def _seed(team, owner):
    hub_actions.register_schema(team=team, user=owner, document=json.dumps(PETS))
    ApiSchema.objects.create(
        team=team, version=2, source="url", status="failed", error=f"Could not fetch: {WORD}",
        url=f"https://api.example.org/{'a' * 300}/openapi.json",
    )  # fmt: skip
    board = board_actions.create_board(user=owner, name=f"Integration {WORD[:50]}", team=team)
    return board_actions.create_card(
        board=board, user=owner, title=f"CORS {WORD[:150]}", problem=f"p {WORD}",
        solution=f"s {WORD}", tags=["best-practice"], column=board.columns.last(),
    )  # fmt: skip


@pytest.fixture
def card(team, alice):
    return off_the_loop(_seed, team=team, owner=alice)


def test_hub_and_schema_pages_fit_a_phone_in_dark_mode(
    new_person_page, console_errors, alice, team, card
):
    page = new_person_page(alice, viewport=PHONE, color_scheme="dark")
    hub = Hub(team, public=False)
    pages = {
        "readme": f"/teams/{team.slug}/hub/",
        "challenge": f"/teams/{team.slug}/hub/{hub.challenge_name(card)}",
        "best-practices": f"/teams/{team.slug}/hub/best_practices.md",
        "api-docs": f"/teams/{team.slug}/hub/api_docs/pets-api-v1.json",
        "schemas": f"/teams/{team.slug}/api/",
        "failed-schema": f"/teams/{team.slug}/api/2/",
    }
    wide = {}
    for name, url in pages.items():
        assert page.goto(url).status == 200
        page.screenshot(path=SCREENSHOTS_DIR / f"hub-phone-{name}.png", full_page=True)
        wide[name] = page.evaluate("document.documentElement.scrollWidth")
    assert wide == dict.fromkeys(pages, PHONE["width"])
    assert console_errors(page) == []
