"""Link previews: which links get a card, what a page's tags give, the outbound rules (never
loopback, link-local or a redirect there unless allowed; HTML only; bounded size and time), one
fetch per URL and day, the card shown live and removable by its author, untrusted text escaped."""

import io
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from PIL import Image

from chat import actions, previews
from chat.actions.previews import queue_fetch
from chat.events import message_data, render_message
from chat.models import LinkPreview, Message, MessagePreview
from chat.queries import messages_of
from chat.tests.test_attachments import png_bytes
from nexus_live import outbound
from tests.xss_corpus import XSS_PAYLOADS, unsafe_parts
from webhooks.tests.receiver import Receiver

HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(title="Cursor pagination", description="Pages by seq, not by offset.", image=None,
         site="Nexus Docs", extra="") -> bytes:  # fmt: skip
    tags = [
        f'<meta property="og:title" content="{title}">',
        f'<meta property="og:description" content="{description}">',
        f'<meta property="og:site_name" content="{site}">',
    ]
    if image:
        tags.append(f'<meta property="og:image" content="{image}">')
    return f"<!doctype html><html><head>{''.join(tags)}{extra}</head><body>x</body></html>".encode()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` what is done inside runs its after-commit work at the end, as a
    real commit would (these tests run in a transaction that never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def post(committed):
    def post(room, who, body, client_id="c1"):
        with committed():
            message = actions.post_message(room=room, author=who, body=body, client_id=client_id)
        return message.message

    return post


def fresh(message) -> Message:
    return messages_of(message.room).get(pk=message.pk)


# --- Which links ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "links"),
    [
        ("see https://example.org/a.", ["https://example.org/a"]),
        ("[docs](https://example.org/docs) and <https://example.net/x>",
         ["https://example.org/docs", "https://example.net/x"]),
        ("(https://en.example.org/wiki/A_(b))!", ["https://en.example.org/wiki/A_(b)"]),
        ("HTTP://Example.org/p#part", ["http://Example.org/p"]),
        ("`https://example.org/code`", []),
        ("```\nhttps://example.org/in-a-block\n```", []),
        ("    https://example.org/indented-code", []),
        ("![pic](https://example.org/p.png)", []),
        ("ftp://example.org/f javascript:alert(1) mailto:a@example.org", []),
        ("https://a.example/ https://a.example/ https://b.example/ https://c.example/ "
         "https://d.example/", ["https://a.example/", "https://b.example/", "https://c.example/"]),
        ("http://127.0.0.1/admin http://169.254.169.254/latest/meta-data/ http://[::1]/", []),
    ],
)  # fmt: skip
def test_it_takes_the_first_three_links_outside_code(settings, body, links):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    assert previews.links_in(body) == links


# --- What a page says ----------------------------------------------------------------------------
def test_open_graph_comes_first_then_twitter_then_title_and_description():
    html = """<html><head><title>The &amp; title</title>
      <meta name="description" content="Plain description">
      <meta name="twitter:title" content="Twitter title">
      <meta property="og:image" content="/img/card.png">
    </head><body><svg><title>not this</title></svg></body></html>"""
    found = previews.parse_page(html, "https://docs.example.org/guide/page")
    assert found.title == "Twitter title"
    assert found.description == "Plain description"
    assert found.site_name == "docs.example.org"
    assert found.image_url == "https://docs.example.org/img/card.png"
    bare = previews.parse_page("<title>\n  Only   a\ttitle </title>", "https://x.example/")
    assert (bare.title, bare.description, bare.image_url) == ("Only a title", "", None)


def test_long_or_strange_text_is_one_clean_line_and_bad_images_are_ignored():
    html = page(title="A" * 500, description="line\nbreak\u202eRTL\x00", image="javascript:x")
    found = previews.parse_page(html.decode(), "https://x.example/")
    assert len(found.title) == previews.TITLE_MAX and found.title.endswith("…")
    assert found.description == "line break RTL"
    assert found.image_url is None


# --- Recording, fetching, showing ----------------------------------------------------------------
def test_a_link_is_recorded_with_its_message_or_not_at_all(post, general, alice, queued):
    with pytest.raises(RuntimeError), transaction.atomic():
        post(general, alice, "see https://example.org/a")
        assert MessagePreview.objects.count() == 1
        raise RuntimeError
    assert not MessagePreview.objects.exists() and not Message.objects.exists()


def test_a_page_becomes_a_card_with_our_own_copy_of_its_image(
    post, loopback, general, alice, client, queued
):
    with Receiver([(200, HTML, b""), (200, {"Content-Type": "image/png"}, png_bytes())]) as site:
        site.answers[0] = (200, HTML, page(image=f"{site.url[:-5]}/card.png"))
        message = post(general, alice, f"Read this: {site.url}")
        assert message_data(fresh(message))["previews"] == []  # not fetched yet: no card
        assert len(queued) == 1
        preview = actions.fetch_preview(queued[0])
        assert [r.path for r in site.received] == ["/hook", "/card.png"]
        assert site.received[0].headers["user-agent"].startswith("NexusLive-LinkPreview")
    assert preview.status == LinkPreview.Status.READY
    (card,) = message_data(fresh(message))["previews"]
    assert card["title"] == "Cursor pagination"
    assert card["description"] == "Pages by seq, not by offset."
    assert card["site_name"] == "Nexus Docs"
    assert card["url"] == site.url
    assert (card["image_width"], card["image_height"]) == (200, 150)  # 800x600 into 200x200
    html = render_message(fresh(message))
    assert "Cursor pagination" in html and f'src="{card["image_url"]}"' in html
    assert str(site.server.server_port) not in html.split("<img", 1)[1].split(">")[0]
    client.force_login(alice)
    response = client.get(card["image_url"])
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "WEBP"


@pytest.mark.parametrize(("who", "status"), [("charlie", 404), ("bob", 200), ("vera", 200)])
def test_only_people_who_see_the_room_get_a_preview_image(
    post, loopback, private_room, alice, as_person, queued, who, status
):
    answers = [(200, HTML, b""), (200, {"Content-Type": "image/png"}, png_bytes())]
    with Receiver(answers) as site:
        site.answers[0] = (200, HTML, page(image=f"{site.url[:-5]}/card.png"))
        message = post(private_room, alice, site.url)
        actions.fetch_preview(LinkPreview.objects.get().pk)
    (card,) = message_data(fresh(message))["previews"]
    assert as_person(who).get(card["image_url"]).status_code == status


def test_the_same_url_is_fetched_once_a_day(post, loopback, settings, general, alice, bob, queued):
    with Receiver([(200, HTML, page())]) as site:
        first = post(general, alice, site.url, "a")
        actions.fetch_preview(queued.pop())
        second = post(general, bob, f"also {site.url}", "b")
        assert queued == []  # fresh: nothing to fetch
        assert [p["title"] for p in message_data(second)["previews"]] == ["Cursor pagination"]
        assert "Cursor pagination" in render_message(second)  # the first render has it
        settings.PREVIEW_CACHE_SECONDS = 0  # a day later
        post(general, bob, site.url, "c")
        assert len(queued) == 1
        actions.fetch_preview(queued.pop())
    assert len(site.received) == 2
    assert LinkPreview.objects.count() == 1
    assert message_data(fresh(first))["previews"][0]["title"] == "Cursor pagination"


def test_a_fetch_that_runs_twice_fetches_once(post, loopback, general, alice, queued):
    with Receiver([(200, HTML, page())]) as site:
        post(general, alice, site.url)
        assert actions.fetch_preview(queued[0]) is not None
        assert actions.fetch_preview(queued[0]) is None  # done: a repeated task does nothing
    assert len(site.received) == 1


def test_a_lost_fetch_is_found_by_the_sweep(post, loopback, general, alice, queued):
    post(general, alice, "https://example.org/x")
    assert actions.due_previews() == []  # queued at commit: likely on its way
    LinkPreview.objects.update(
        requested_at=LinkPreview.objects.get().requested_at.replace(year=2020)
    )
    assert actions.due_previews() == [LinkPreview.objects.get().pk]


def test_an_edit_that_adds_a_link_gets_its_card_and_one_that_drops_it_loses_it(
    post, committed, loopback, general, alice, queued
):
    with Receiver([(200, HTML, page())]) as site:
        message = post(general, alice, "no link yet")
        assert not MessagePreview.objects.exists()
        with committed():
            message = actions.edit_message(message=message, user=alice, body=f"now {site.url}")
        actions.fetch_preview(queued.pop())
    assert [p["url"] for p in message_data(fresh(message))["previews"]] == [site.url]
    message = actions.edit_message(message=fresh(message), user=alice, body="gone again")
    assert message_data(fresh(message))["previews"] == []
    assert not MessagePreview.objects.exists()


def test_a_deleted_message_keeps_no_card(post, loopback, general, alice, queued):
    with Receiver([(200, HTML, page())]) as site:
        message = post(general, alice, site.url)
        actions.fetch_preview(queued.pop())
    actions.delete_message(message=fresh(message), user=alice)
    assert message_data(fresh(message))["previews"] == []
    assert not MessagePreview.objects.exists()


# --- Removing a card ------------------------------------------------------------------------------
@pytest.fixture
def with_card(post, loopback, general, alice, queued):
    with Receiver([(200, HTML, page())]) as site:
        message = post(general, alice, f"see {site.url}")
        actions.fetch_preview(queued.pop())
    return fresh(message)


def test_the_author_removes_a_card_and_an_edit_keeping_the_link_does_not_bring_it_back(
    with_card, alice
):
    (card,) = message_data(with_card)["previews"]
    changed = actions.remove_preview(message=with_card, user=alice, preview=card["id"])
    assert changed.event > with_card.event  # a change of the room: live, and in catch-up
    assert message_data(fresh(changed))["previews"] == []
    edited = actions.edit_message(message=fresh(changed), user=alice, body=with_card.body + "!")
    assert message_data(fresh(edited))["previews"] == []


@pytest.mark.parametrize("preview", [None, "1", True, 10**9])
def test_removing_a_card_that_is_not_there_is_refused(with_card, alice, preview):
    with pytest.raises(ValidationError):
        actions.remove_preview(message=with_card, user=alice, preview=preview)


def test_only_the_author_removes_a_card(with_card, bob):
    (card,) = message_data(with_card)["previews"]
    with pytest.raises(PermissionDenied):
        actions.remove_preview(message=with_card, user=bob, preview=card["id"])
    assert len(message_data(fresh(with_card))["previews"]) == 1


# --- The outbound rules ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8080/", "http://[::1]/"]
)
def test_blocked_addresses_are_never_fetched(settings, url):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with pytest.raises(outbound.Refused):
        previews.fetch(url)


def test_loopback_is_refused_without_the_setting(post, settings, general, alice, queued):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with Receiver([(200, HTML, page())]) as site:
        assert previews.links_in(site.url) == []  # refused from the URL: not even recorded
        by_name = site.url.replace("127.0.0.1", "localhost")
        post(general, alice, by_name)  # a name: only its address tells
        preview = actions.fetch_preview(queued.pop())
    assert site.received == []
    assert preview.status == LinkPreview.Status.FAILED and "not permitted" in preview.error


def test_a_redirect_to_loopback_is_refused(post, settings, general, alice, queued):
    """Allowed: 127.0.0.2 only. It redirects to 127.0.0.1, which is never reached."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.2/32"]
    with Receiver([(200, HTML, page())]) as inside:
        with Receiver([(302, {"Location": inside.url}, b"")], host="127.0.0.2") as allowed:
            post(general, alice, allowed.url)
            preview = actions.fetch_preview(queued.pop())
        assert len(allowed.received) == 1
    assert inside.received == []
    assert preview.status == LinkPreview.Status.FAILED


def test_an_allowed_redirect_is_followed(post, loopback, general, alice, queued):
    with Receiver([(200, HTML, page(title="Moved here"))]) as target:
        with Receiver([(301, {"Location": target.url}, b"")]) as old:
            message = post(general, alice, old.url)
            actions.fetch_preview(queued.pop())
    (card,) = message_data(fresh(message))["previews"]
    assert (card["title"], card["url"]) == ("Moved here", old.url)  # the link as written


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/json", b'{"og:title": "x"}'), ("image/svg+xml", page()), ("", page())],
)
def test_only_html_is_read(post, loopback, general, alice, queued, content_type, body):
    with Receiver([(200, {"Content-Type": content_type}, body)]) as site:
        message = post(general, alice, site.url)
        preview = actions.fetch_preview(queued.pop())
    assert preview.status == LinkPreview.Status.FAILED and "not text/html" in preview.error
    assert message_data(fresh(message))["previews"] == []


def test_an_error_page_makes_no_card(post, loopback, general, alice, queued):
    with Receiver([(404, HTML, page(title="Not found"))]) as site:
        message = post(general, alice, site.url)
        assert actions.fetch_preview(queued.pop()).status == LinkPreview.Status.FAILED
    assert message_data(fresh(message))["previews"] == []


def test_a_huge_page_is_read_only_so_far(post, loopback, general, alice, queued):
    padding = b"<!--" + b"x" * previews.PAGE_MAX_BYTES + b"-->"
    late = b'<meta property="og:description" content="Too far down">'
    body = page(description="").replace(b"</head>", padding + late + b"</head>")
    with Receiver([(200, HTML, body + b"y" * 5_000_000)]) as site:
        message = post(general, alice, site.url)
        actions.fetch_preview(queued.pop())
    (card,) = message_data(fresh(message))["previews"]
    assert card["title"] == "Cursor pagination" and card["description"] == ""


def test_a_huge_or_false_image_is_left_out(post, loopback, general, alice, queued):
    big = (200, {"Content-Type": "image/png"}, b"x" * (previews.IMAGE_MAX_BYTES + 1))
    svg = (200, {"Content-Type": "image/svg+xml"}, b"<svg onload='alert(1)'></svg>")
    for image in (big, svg):
        with Receiver([(200, HTML, b""), image]) as site:
            site.answers[0] = (200, HTML, page(image=f"{site.url[:-5]}/i"))
            message = post(general, alice, site.url, client_id=f"i{len(image[2])}")
            actions.fetch_preview(queued.pop())
            LinkPreview.objects.all().delete()
        assert message_data(fresh(message))["previews"] == []  # the preview row went, too
    assert not MessagePreview.objects.exists()


def test_a_slow_server_times_out(post, loopback, settings, general, alice, queued):
    settings.OUTBOUND_TIMEOUT_SECONDS = 0.3
    with Receiver([(200, HTML, page())], delay=3) as site:
        message = post(general, alice, site.url)
        started = time.monotonic()
        preview = actions.fetch_preview(queued.pop())
        assert time.monotonic() - started < 2
    assert preview.status == LinkPreview.Status.FAILED and "Timeout" in preview.error
    assert message_data(fresh(message))["previews"] == []


# --- Untrusted text -------------------------------------------------------------------------------
def test_a_pages_words_are_escaped_wherever_they_show(
    post, loopback, settings, general, alice, queued
):
    settings.CHAT_RATE_BURST = 10_000
    markup = [p for p in XSS_PAYLOADS if "<" in p or '"' in p]
    with Receiver([(200, HTML, b"")]) as site:
        for i, payload in enumerate(markup):
            escaped = payload.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            site.answers = [(200, HTML, page(title=escaped, description=escaped, site=escaped))]
            url = f"{site.url}/{i}"
            message = post(general, alice, url, client_id=f"x{i}")
            actions.fetch_preview(queued.pop())
            html = render_message(fresh(message))
            card = html[html.index('<ul class="link-previews"') :]
            assert unsafe_parts(card) == [], payload
            title = " ".join(payload.split())
            assert title[:50] not in card, payload


def test_queue_fetch_is_what_the_commit_calls(loopback, general, alice, monkeypatch):
    """The queue after commit goes through webhooks.tasks.queue (broker down: the sweep)."""
    sent = []
    monkeypatch.setattr("webhooks.tasks.queue", lambda task, *args: sent.append((task.name, args)))
    queue_fetch(7)
    assert sent == [("chat.tasks.fetch_preview", (7,))]
