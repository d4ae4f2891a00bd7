"""What a delivery sends: a Standard Webhooks request (signed JSON), or a Discord channel
message for a Discord webhook URL."""

from datetime import UTC, datetime

import orjson
from standardwebhooks import Webhook

from webhooks.models import Endpoint, Event, Format, Kind

# Discord's limits (its webhook documentation): a message's content, an embed's title and
# description. Well inside them, so that text never gets cut by Discord instead.
DISCORD_CONTENT = 2000
DISCORD_TITLE = 256
DISCORD_DESCRIPTION = 2000


def request_for(endpoint: Endpoint, event: Event, now: datetime) -> tuple[bytes, dict]:
    """The body and headers of one attempt (a retry is signed again, with its own time)."""
    if endpoint.format == Format.DISCORD:
        body = orjson.dumps(discord_message(event))
        return body, {"Content-Type": "application/json"}
    body = orjson.dumps(
        {"type": event.kind, "timestamp": event.created_at.isoformat(), "data": event.data}
    )
    return body, {
        "Content-Type": "application/json",
        **signature_headers(endpoint, event, body, now),
    }


def signature_headers(endpoint: Endpoint, event: Event, body: bytes, now: datetime) -> dict:
    """Standard Webhooks: `webhook-signature` is "v1,<base64 HMAC-SHA256 of id.timestamp.body>",
    one per secret still valid, space separated (the new one and, after a rotation, the old)."""
    now = now.astimezone(UTC)
    secrets = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and endpoint.previous_secret_until > now
    ):
        secrets.append(endpoint.previous_secret)
    text = body.decode()
    signatures = [Webhook(secret).sign(event.pk, now, text) for secret in secrets]
    return {
        "webhook-id": event.pk,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def discord_message(event: Event) -> dict:
    """A readable Discord message: one line of content and, for a card, an embed. Nobody can
    be pinged through it (`allowed_mentions` parses nothing: @everyone stays text)."""
    data, kind = event.data, event.kind
    embeds: list[dict] = []
    if kind in (Kind.MESSAGE_POSTED, Kind.QUESTION_RESOLVED):
        message, room = data["message"], data["room"]
        if kind == Kind.MESSAGE_POSTED:
            head = f"**{message['author']['name']}** in #{room['name']}: "
            content = head + message["body"]
        else:
            content = f"✅ {data['by']['name']} resolved a question in #{room['name']}: "
            content += message["body"].splitlines()[0] if message["body"] else ""
        content = _cut(content, DISCORD_CONTENT - len(message["url"]) - 3) + f"\n<{message['url']}>"
    elif kind in (Kind.CARD_CREATED, Kind.CARD_MOVED, Kind.CARD_SOLVED):
        card, board = data["card"], data["board"]
        by, column = data["by"]["name"], data["column"]["name"]
        content = {
            Kind.CARD_CREATED: f"🆕 {by} added a card to {board['name']} ({column})",
            Kind.CARD_MOVED: f"➡️ {by} moved a card on {board['name']}: "
            f"{data.get('from_column', {}).get('name', '?')} → {column}",
            Kind.CARD_SOLVED: f"🏁 {by} solved a challenge on {board['name']}",
        }[kind]
        embed = {"title": _cut(card["title"], DISCORD_TITLE), "url": card["url"]}
        text = card.get("solution") if kind == Kind.CARD_SOLVED else card.get("problem")
        if text:
            embed["description"] = _cut(text, DISCORD_DESCRIPTION)
        embeds.append(embed)
    elif kind == Kind.MEMBER_JOINED:
        content = f"👋 {data['member']['name']} joined {data['team']['name']}"
    else:
        content = "This is a test event from Nexus Live: the webhook works."
    return {
        "content": _cut(content, DISCORD_CONTENT),
        "embeds": embeds,
        "username": "Nexus Live",
        "allowed_mentions": {"parse": []},
    }
