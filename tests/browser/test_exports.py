"""A board exported in the background: Export on the board's page, the row's bar filling to
Ready on the Exports page (live, in another tab too), the file downloaded. With a broker (CI:
Redis) a real Celery worker writes it; in the embedded default, the server does."""

import csv
import io

import pytest
from playwright.sync_api import expect

from boards import actions

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def board(team, alice):
    board = actions.create_board(user=alice, name="Real-world challenges", team=team)
    for n in range(40):
        actions.create_card(board=board, user=alice, title=f"Challenge {n:02}", problem="Why?")
    return board


def test_a_board_export_fills_its_bar_and_downloads(
    new_person_page, console_errors, bob, board, worker
):
    page = new_person_page(bob)
    watcher = page.context.new_page()  # another tab, on the Exports page before it starts
    console_errors(watcher)
    watcher.goto("/exports/")
    expect(watcher.get_by_text("No exports yet.")).to_be_visible()

    page.goto(board.get_absolute_url())
    page.get_by_label("Export as").select_option("csv")
    page.get_by_role("button", name="Export", exact=True).click()
    page.wait_for_url("**/exports/**")
    row = page.locator(".export").first
    expect(row).to_contain_text("Board Real-world challenges")
    expect(row).to_have_attribute("data-status", "done", timeout=30_000)
    expect(row.locator("progress")).to_have_attribute("value", "100")
    expect(row).to_contain_text("Ready")

    live_row = watcher.locator(".export").first  # arrived by its frames, never reloaded
    expect(live_row).to_have_attribute("data-status", "done", timeout=30_000)
    expect(watcher.get_by_text("No exports yet.")).to_have_count(0)

    with page.expect_download() as download:
        row.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.startswith("board-real-world-challenges-")
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert len(rows) == 41 and rows[1][2] == "Challenge 00"
    assert console_errors(page) == [] and console_errors(watcher) == []
