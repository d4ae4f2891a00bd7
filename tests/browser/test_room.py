"""Two people in one room, in two browsers: messages arrive live and survive a lost socket."""

import re

import pytest
from playwright.sync_api import WebSocketRoute, expect

from chat.models import Message, Room
from tests.browser.conftest import SCREENSHOTS_DIR

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def general(alice):
    return Room.objects.create(name="general", slug="general", topic="Say hello", created_by=alice)


def _send(page, text):
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def test_one_writes_and_the_other_sees_it(new_person_page, console_errors, alice, bob, general):
    ana, ben = new_person_page(alice), new_person_page(bob)
    for page in (ana, ben):
        page.goto("/rooms/general/")
        expect(page.locator("#connection")).to_have_text("Live")

    _send(ana, "Who knows **Celery** retries?\n")
    expect(ben.locator("#messages li.message")).to_have_count(1)
    expect(ben.locator("#messages li.message strong", has_text="Celery")).to_be_visible()

    ben.get_by_label("Message", exact=True).fill("Me:\n```python\nretry(countdown=5)\n```")
    ben.get_by_role("button", name="Send").click()
    code = ana.locator("#messages li.message .codeblock")
    expect(code).to_have_count(1)
    expect(code.locator(".highlight")).to_contain_text("retry(countdown=5)")
    expect(ana.locator("#messages li.pending")).to_have_count(0)
    assert [m.body for m in Message.objects.order_by("seq")] == [
        "Who knows **Celery** retries?",
        "Me:\n```python\nretry(countdown=5)\n```",
    ]
    ana.screenshot(path=SCREENSHOTS_DIR / "room.png", full_page=True)
    assert console_errors(ana) == [] and console_errors(ben) == []


def test_leaving_right_after_posting_leaves_nothing_unread(new_person_page, alice, general):
    page = new_person_page(alice)
    page.goto("/rooms/general/")
    expect(page.locator("#connection")).to_have_text("Live")
    _send(page, "last word")
    expect(page.locator("#messages li.message:not(.pending)")).to_have_count(1)
    page.goto("/rooms/")  # well within the second the read mark used to wait
    expect(page.locator(f'[data-room-unread="{general.pk}"]')).to_be_hidden()


def test_a_thread_page_of_its_own_takes_reactions(new_person_page, console_errors, alice, general):
    root = Message.objects.create(
        room=general,
        seq=1,
        event=1,
        author=alice,
        client_id="q",
        body="Why?",
        body_html="<p>Why?</p>",
    )
    general.last_seq = general.last_event = 1
    general.save()
    page = new_person_page(alice)
    page.goto(f"/rooms/general/threads/{root.pk}/")
    expect(page.locator("#connection")).to_have_text("Live")
    question = page.locator(f"#message-{root.pk}")
    question.hover()
    question.get_by_label("Add a reaction").click()
    question.get_by_role("button", name="React with 🎉").click()
    expect(question.locator(".reaction")).to_have_text("🎉 1")
    assert console_errors(page) == []


def test_the_online_list_follows_who_comes_and_goes(new_person_page, alice, bob, general):
    ana = new_person_page(alice)
    ana.goto("/rooms/general/")
    online = ana.get_by_role("list", name="Online").get_by_role("listitem")
    expect(online).to_have_text([re.compile("Alice$")])
    ben = new_person_page(bob)
    ben.goto("/rooms/general/")
    expect(ben.get_by_role("list", name="Online").get_by_role("listitem")).to_have_count(2)
    expect(online).to_have_text([re.compile("Alice$"), re.compile("Bob$")])
    ben.close()
    expect(online).to_have_text([re.compile("Alice$")])


def test_raw_html_is_shown_as_text(new_person_page, alice, general):
    page = new_person_page(alice)
    page.goto("/rooms/general/")
    expect(page.locator("#connection")).to_have_text("Live")
    _send(page, '<img src=x onerror="document.title=1">hi')
    expect(page.locator("#messages li.message .body")).to_contain_text('<img src=x onerror="')
    expect(page.locator("#messages li.message .body img")).to_have_count(0)
    assert page.title() != "1"


def test_a_dropped_socket_reconnects_and_fills_in_what_it_missed(
    new_person_page, alice, bob, general
):
    ana, ben = new_person_page(alice), new_person_page(bob)
    sockets: list[WebSocketRoute] = []
    cut = {"on": False}

    def through(ws: WebSocketRoute) -> None:
        if cut["on"]:
            ws.close(code=4000)  # still offline: refuse the reconnect
            return
        ws.connect_to_server()
        sockets.append(ws)

    ben.route_web_socket("**/ws/rooms/**", through)
    for page in (ana, ben):
        page.goto("/rooms/general/")
        expect(page.locator("#connection")).to_have_text("Live")

    _send(ana, "before the cut")
    expect(ben.locator("#messages li.message")).to_have_count(1)

    cut["on"] = True
    for ws in sockets:
        ws.close(code=4000)
    expect(ben.locator("#connection")).to_contain_text("Reconnecting")
    for i in range(5):
        _send(ana, f"while away {i}")
    expect(ana.locator("#messages li.message:not(.pending)")).to_have_count(6)
    expect(ben.locator("#messages li.message")).to_have_count(1)

    cut["on"] = False
    expect(ben.locator("#connection")).to_have_text("Live", timeout=15_000)
    texts = ben.locator("#messages li.message .body")
    expect(texts).to_have_count(6)
    expect(texts).to_have_text(["before the cut"] + [f"while away {i}" for i in range(5)])
    seqs = ben.locator("#messages li.message").evaluate_all("els => els.map(e => +e.dataset.seq)")
    assert seqs == [1, 2, 3, 4, 5, 6]


def test_scrolling_up_loads_older_history(new_person_page, alice, general):
    for i in range(1, 121):
        Message.objects.create(
            room=general,
            seq=i,
            author=alice,
            client_id=f"h{i}",
            body=f"m{i}",
            body_html=f"<p>m{i}</p>",
        )
    Room.objects.filter(pk=general.pk).update(last_seq=120)
    page = new_person_page(alice)
    page.goto("/rooms/general/")
    messages = page.locator("#messages li.message")
    expect(messages).to_have_count(50)
    expect(messages.last).to_contain_text("m120")
    page.locator("#timeline").evaluate("el => el.scrollTop = 0")
    expect(messages).to_have_count(100)
    page.locator("#timeline").evaluate("el => el.scrollTop = 0")
    expect(messages).to_have_count(120)
    expect(messages.first).to_contain_text("m1")
    expect(page.locator("#load-older")).to_have_count(0)


def test_threads_reactions_and_unread_counts_live(new_person_page, alice, bob, general):
    ana, ben = new_person_page(alice), new_person_page(bob)
    ana.goto("/rooms/general/")
    ben.goto("/rooms/general/")  # bob follows #general from now on
    expect(ben.locator("#connection")).to_have_text("Live")
    ben.goto("/")  # ...and waits on the home page
    expect(ana.locator("#connection")).to_have_text("Live")

    _send(ana, "How do I retry a task?")
    expect(ben.locator("#unread-total")).to_contain_text("1")

    ben.goto("/rooms/general/")
    expect(ben.locator("#unread-total")).to_be_hidden()
    question = ben.locator("#messages li.message").first
    question.hover()
    question.get_by_label("Add a reaction").click()
    question.get_by_role("button", name="React with 👍").click()
    expect(ana.locator("#messages li.message .reaction")).to_have_text("👍 1")

    question.get_by_role("link", name="Reply in thread").click()
    reply_box = ben.get_by_label("Reply", exact=True)
    reply_box.fill("Use autoretry_for")
    reply_box.press("Enter")
    expect(ana.locator("#messages li.message .thread-link")).to_have_text("1 reply")
    ana.locator("#messages li.message .thread-link").click()
    expect(ana.locator("#thread-panel li.message.reply")).to_contain_text("Use autoretry_for")


def test_typing_stops_showing_once_their_message_arrives(new_person_page, alice, bob, general):
    ana, ben = new_person_page(alice), new_person_page(bob)
    for page in (ana, ben):
        page.goto("/rooms/general/")
        expect(page.locator("#connection")).to_have_text("Live")
    box = ben.get_by_label("Message", exact=True)
    box.press_sequentially("on my way")
    expect(ana.locator("#typing")).to_have_text("Bob is typing…")
    box.press("Enter")
    expect(ana.locator("#messages li.message", has_text="on my way")).to_be_visible()
    # at once, not when the typing notice times out five seconds later
    expect(ana.locator("#typing")).to_have_text("", timeout=1000)
