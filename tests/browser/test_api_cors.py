"""docs/api.md's `fetch` walkthrough, run as written from a page of another origin: sign in,
list rooms, read, post, refresh. From an origin in CORS_ALLOWED_ORIGINS it works (and browser
code reads the exposed headers); from any other the browser refuses it, visibly."""

import json
import re

import pytest
from playwright.sync_api import expect

from api.models import TokenFamily
from chat.models import Message, Room
from conftest import PASSWORD
from tests.browser.conftest import DESKTOP, PAGE_TIMEOUT_MS, PROJECT_DIR

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = PROJECT_DIR / "docs" / "api.md"
SERVER_LINE = 'const B = "http://127.0.0.1:8000";'


def walkthrough_code(server: str) -> str:
    """The `js` blocks of sections 1 to 5, in order, with only the server's address changed."""
    text = DOCS.read_text()
    walkthrough = text[text.index("## 1. Sign in") : text.index("## 6. Listen live")]
    blocks = re.findall(r"^```js\n(.*?)^```$", walkthrough, flags=re.DOTALL | re.MULTILINE)
    code = "\n".join(blocks)
    assert code.count(SERVER_LINE) == 1, "the walkthrough names its server once, as B"
    return code.replace(SERVER_LINE, f"const B = {json.dumps(server)};")


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A learner's Nexus client</title>
<link rel="icon" href="data:,"></head>
<body><output id="result">running</output>
<script type="module">
const [email, password] = %(credentials)s;
window.walkthrough = (async () => {
%(code)s
  // Then section 5: refresh once, and the new access token works.
  const usedUp = tokens.refresh;
  await freshTokens();
  const again = await api("/rooms/");
  return { rooms, latest, message, rateLimit: answer.headers.get("RateLimit"),
           refreshed: tokens.refresh !== usedUp, again: again.status };
})();
const result = document.getElementById("result");
window.walkthrough.then(() => { result.textContent = "done"; },
                        (error) => { result.textContent = `failed: ${error}`; });
</script></body></html>
"""


@pytest.fixture
def walkthrough_page(other_origins, live_server_url, alice):
    Room.objects.create(name="general", slug="general", topic="Say hello", created_by=alice)
    page = other_origins.folder / "walkthrough.html"
    page.write_text(
        PAGE
        % {
            "credentials": json.dumps([alice.email, PASSWORD]),
            "code": walkthrough_code(live_server_url),
        }
    )
    return page.name


@pytest.fixture
def open_elsewhere(browser):
    contexts = []

    def open_page(url: str):
        context = browser.new_context(viewport=DESKTOP, locale="en-US")
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: console.append(str(exc)))
        page.goto(url)
        return page, console

    yield open_page
    for context in contexts:
        context.close()


def test_the_docs_fetch_walkthrough_works_from_a_listed_origin(
    other_origins, walkthrough_page, open_elsewhere
):
    page, console = open_elsewhere(f"{other_origins.allowed}/{walkthrough_page}")
    done = page.evaluate("window.walkthrough")
    expect(page.locator("#result")).to_have_text("done")
    assert [room["slug"] for room in done["rooms"]] == ["general"]
    assert done["latest"] == []
    assert done["message"]["body"] == "Hello from my app"
    assert done["message"]["author"]["name"] == "Alice"
    assert re.fullmatch(r"limit=\d+, remaining=\d+, reset=\d+", done["rateLimit"])
    assert done["refreshed"] is True and done["again"] == 200
    assert Message.objects.get().body == "Hello from my app"
    assert console == []


def test_an_origin_not_listed_is_refused_by_the_browser(
    other_origins, walkthrough_page, open_elsewhere
):
    page, console = open_elsewhere(f"{other_origins.refused}/{walkthrough_page}")
    failure = page.evaluate("window.walkthrough.then(() => 'worked', (error) => String(error))")
    assert failure == "TypeError: Failed to fetch"
    expect(page.locator("#result")).to_have_text("failed: TypeError: Failed to fetch")
    assert any("blocked by CORS policy" in line for line in console), console
    assert TokenFamily.objects.count() == 0  # the preflight failed: no sign-in was even sent
    assert not Message.objects.exists()
