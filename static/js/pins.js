// Pinned messages: the room header's list, live for everyone in the room (the `pins` frame),
// and the pin buttons of messages (the socket's `pin` action, sent through room.js).
"use strict";

(() => {
  const room = document.getElementById("room");
  if (!room) return;
  let shown = -1;   // the room event of the list on screen: an older list that comes late is dropped

  function show(html) {
    const element = window.NexusLive.fragment(html);
    const current = document.getElementById("pins");
    if (!element || !current) return;
    const event = Number(element.dataset.event || 0);
    if (event < shown) return;
    shown = event;
    current.replaceWith(element);
    const count = Number(element.dataset.count || 0);
    const badge = document.getElementById("pins-badge");
    if (badge) {
      badge.hidden = count === 0;
      badge.textContent = String(count);
    }
  }

  // The list as it is now: when the socket has caught up (a pin made while away is in no
  // catch-up frame) and when a new header replaced the old one.
  async function refresh() {
    const url = document.getElementById("pins-menu")?.dataset.url;
    if (!url) return;
    if (!document.getElementById("pins")?.dataset.event) shown = -1;   // a fresh header
    try {
      const response = await fetch(url, { headers: { "X-Fragment": "pins" }, credentials: "same-origin" });
      if (response.ok) show(await response.text());
    } catch {
      // offline: the next catch-up asks again
    }
  }

  room.addEventListener("nexus:frame", (event) => {
    const frame = event.detail;
    if (frame.type === "pins") show(frame.html);
    else if (frame.type === "synced" || frame.type === "room") refresh();
  });

  room.addEventListener("click", (event) => {
    const button = event.target.closest("[data-pin]");
    if (!button) return;
    const pinned = button.dataset.pinned !== "true";
    room.dispatchEvent(new CustomEvent("nexus:send", {
      detail: { action: "pin", id: Number(button.dataset.pin), pinned },
    }));
  });
})();
