"""Every write to rooms and messages, one module per domain, each check → write → notify after
commit (as Zulip's zerver/actions/). Callers import from here."""

from chat.actions.answers import accept_answer, verify_answer
from chat.actions.attachments import (
    MAX_PER_MESSAGE,
    prune_unposted,
    remove_attachment,
    upload_attachment,
)
from chat.actions.direct import DIRECT_MAX, leave_direct, open_direct, rename_direct
from chat.actions.messages import (
    MAX_BODY,
    NewPost,
    Posted,
    delete_message,
    edit_message,
    post_message,
    post_messages,
    resolve_thread,
)
from chat.actions.pins import PINS_MAX, pin_message
from chat.actions.previews import (
    due_previews,
    fetch_preview,
    prune_previews,
    remove_preview,
)
from chat.actions.queue import claim_question
from chat.actions.reactions import toggle_reaction
from chat.actions.reads import mark_mentions_seen, mark_read
from chat.actions.rooms import (
    ROOM_NAME_MAX,
    TOPIC_MAX,
    archive_room,
    create_room,
    update_topic,
)
from chat.actions.typing import send_typing

__all__ = [
    "DIRECT_MAX",
    "MAX_BODY",
    "MAX_PER_MESSAGE",
    "PINS_MAX",
    "ROOM_NAME_MAX",
    "TOPIC_MAX",
    "NewPost",
    "Posted",
    "accept_answer",
    "archive_room",
    "claim_question",
    "create_room",
    "delete_message",
    "due_previews",
    "edit_message",
    "fetch_preview",
    "leave_direct",
    "mark_mentions_seen",
    "mark_read",
    "open_direct",
    "pin_message",
    "post_message",
    "post_messages",
    "prune_previews",
    "prune_unposted",
    "remove_attachment",
    "remove_preview",
    "rename_direct",
    "resolve_thread",
    "send_typing",
    "toggle_reaction",
    "update_topic",
    "upload_attachment",
    "verify_answer",
]
