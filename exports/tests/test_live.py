"""An export's progress reaches its owner's /ws/me/ sockets as it is written, and nobody
else's."""

import json

import pytest
from channels.db import database_sync_to_async

from boards import actions as board_actions
from chat.tests.conftest import connected
from exports import formats, runner
from exports.tests.conftest import start

pytestmark = pytest.mark.django_db(transaction=True)


async def _opened(socket) -> None:
    assert json.loads(await socket.receive_from())["type"] == "state"


async def _export_frames(socket) -> list[dict]:
    frames = []
    while not frames or frames[-1]["status"] not in ("done", "failed"):
        frame = json.loads(await socket.receive_from(timeout=5))
        if frame["type"] == "export":
            frames.append(frame)
    return frames


def _cards(board, user, count: int) -> None:
    for n in range(count):
        board_actions.create_card(board=board, user=user, title=f"card {n}")


async def test_the_owner_sees_the_progress_and_the_download(alice, bob, board, monkeypatch):
    monkeypatch.setattr(runner, "PROGRESS_SECONDS", 0)  # every chunk tells
    monkeypatch.setattr(formats, "CHUNK", 5)
    await database_sync_to_async(_cards)(board, alice, 12)
    async with connected(bob, None) as mine, connected(alice, None) as theirs:
        await _opened(mine)
        await _opened(theirs)
        export = await database_sync_to_async(start)(bob, board=board, format="csv")
        await database_sync_to_async(runner.run)(export.pk)
        frames = await _export_frames(mine)
        assert await theirs.receive_nothing(timeout=0.3)  # alice sees nothing of bob's
    assert {frame["id"] for frame in frames} == {export.pk}
    assert frames[0]["status"] == "pending" and frames[-1]["status"] == "done"
    progress = [frame["progress"] for frame in frames]
    assert progress == sorted(progress) and progress[-1] == 100
    assert any(0 < value < 100 for value in progress)  # on its way, not only before and after
    done = frames[-1]
    assert done["data"]["items_done"] == done["data"]["items_total"] == 12
    assert done["data"]["download_url"] == f"/exports/{export.pk}/download"
    assert f'id="export-{export.pk}"' in done["html"] and "Download" in done["html"]
