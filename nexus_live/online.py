"""The Online list of a room or a board: who arrives, who leaves, and the heartbeat that
notices a stale list. Storage (with expiry, so a killed process leaves no ghost for long) is
presence.py; the frames go through events.py, rendered once."""

from channels.db import database_sync_to_async
from django.template.loader import render_to_string

from accounts.models import User
from nexus_live import events, presence

# Per process: who the sockets here last heard is online in each space, so that a heartbeat
# notices a stale list (a process that died without saying goodbye). One set per space, not
# one per socket: every socket of a space hears the same joins and leaves.
heard: dict[str, set[int]] = {}


def _render_online(template: str, user_pks: set[int]) -> str:
    people = User.objects.filter(pk__in=user_pks).order_by("display_name", "email")
    return render_to_string(template, {"online": people})


def _render_person(template: str, user: User) -> str:
    return render_to_string(template, {"person": user})


def _people(user_pks: set[int]) -> list[dict]:
    people = User.objects.filter(pk__in=user_pks).order_by("display_name", "email")
    return [{"id": person.pk, "name": person.name} for person in people]


async def whole_list(template: str, people: set[int]) -> str:
    html = await database_sync_to_async(_render_online)(template, people)
    data = await database_sync_to_async(_people)(people)
    return events.frame("presence", html=html, data={"online": data})


async def arrive(space: str, group: str, user: User, channel: str, templates: tuple) -> str:
    """This socket is in the space: the others hear of a person's first tab only (one small
    frame per socket, not the whole list to everyone). Returns the whole list, for it."""
    whole, one = templates
    already_here = user.pk in await presence.online(space)
    await presence.touch(space, user.pk, channel)
    people = await presence.online(space)
    # Only the first socket here sets what the process heard: overwriting it with the truth
    # would hide a change (a ghost expired) from the other sockets' next heartbeat.
    heard.setdefault(space, set(people))
    if not already_here:
        html = await database_sync_to_async(_render_person)(one, user)
        text = events.frame(
            "presence",
            joined=user.pk,
            person=html,
            data={"joined": {"id": user.pk, "name": user.name}},
        )
        await events.publish_quietly(
            group, {"type": "live.presence_joined", "user": user.pk, "frame": text}
        )
    return await whole_list(whole, people)


async def depart(space: str, group: str, user: User, channel: str) -> None:
    await presence.leave(space, user.pk, channel)
    if user.pk not in await presence.online(space):  # their last tab here
        text = events.frame("presence", left=user.pk, data={"left": user.pk})
        await events.publish_quietly(
            group, {"type": "live.presence_left", "user": user.pk, "frame": text}
        )


async def heartbeat(space: str, group: str, user: User, channel: str, template: str) -> None:
    """Renew this socket's entry; a list that changed without anyone hearing (an expired
    ghost) is sent again, whole, to everyone in the space."""
    await presence.touch(space, user.pk, channel)
    people = await presence.online(space)
    if people != heard.get(space):
        heard[space] = people
        event = {
            "type": "live.presence",
            "people": sorted(people),
            "frame": await whole_list(template, people),
        }
        await events.publish_quietly(group, event)


def heard_event(space: str, event: dict) -> None:
    """What a socket's process learns from a presence event it forwards."""
    if event["type"] == "live.presence":
        heard[space] = set(event["people"])
    elif event["type"] == "live.presence_joined":
        heard.setdefault(space, set()).add(event["user"])
    else:
        heard.setdefault(space, set()).discard(event["user"])
