// Nexus Live's own behaviour: small, no inline scripts (the CSP forbids them).
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-from]");
  if (!button) return;
  const source = button.previousElementSibling;
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.value || source.textContent).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// Shared by room.js and board.js (this file runs first).
window.NexusLive = {
  // The first element of a server-rendered fragment.
  fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  },

  // The Online list of a room or a board, from its socket: the whole list when the socket
  // joins (or a heartbeat finds it stale), then one person arriving or leaving at a time.
  applyPresence(frame) {
    const list = document.getElementById("online");
    if (!list) return;
    if (frame.html) {
      list.replaceWith(window.NexusLive.fragment(frame.html));
    } else if (frame.joined !== undefined && !list.querySelector(`[data-user="${frame.joined}"]`)) {
      const person = window.NexusLive.fragment(frame.person);
      const after = [...list.querySelectorAll("[data-user]")].find(
        (other) => other.dataset.name.localeCompare(person.dataset.name) > 0);
      list.querySelector(".nobody")?.remove();
      list.insertBefore(person, after || null);
    } else if (frame.left !== undefined) {
      list.querySelector(`[data-user="${frame.left}"]`)?.remove();
    }
  },
};

// Unread counts and @mentions, live on every page: one socket per tab to /ws/me/.
(() => {
  const stateTag = document.getElementById("nav-state");
  if (!stateTag) return;
  const state = JSON.parse(stateTag.textContent);   // {rooms: {id: [lastSeq, lastRead]}, mentions}
  const openRoom = document.getElementById("room")?.dataset.roomId;

  function setBadge(element, count) {
    if (!element) return;
    element.hidden = count <= 0;
    element.querySelector(".count").textContent = String(count);
  }

  function render() {
    let total = 0;
    for (const [room, [lastSeq, lastRead]] of Object.entries(state.rooms)) {
      const unread = room === openRoom ? 0 : Math.max(0, lastSeq - lastRead);
      total += unread;
      setBadge(document.querySelector(`[data-room-unread="${room}"]`), unread);
    }
    setBadge(document.getElementById("unread-total"), total);
    setBadge(document.getElementById("mention-count"), state.mentions);
  }

  function handle(frame) {
    if (frame.type === "state") {   // on every (re)connect: the counts as they are now
      Object.assign(state, { rooms: frame.rooms, mentions: frame.mentions });
      render();
      return;
    }
    const room = String(frame.room);
    const entry = state.rooms[room] || (state.rooms[room] = [0, 0]);
    if (frame.type === "activity") entry[0] = Math.max(entry[0], frame.seq);
    else if (frame.type === "read") { entry[1] = Math.max(entry[1], frame.seq); entry[0] = Math.max(entry[0], frame.seq); }
    else if (frame.type === "mention") state.mentions = frame.count;
    render();
  }

  let attempt = 0;
  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}/ws/me/`);
    socket.addEventListener("open", () => { attempt = 0; });
    socket.addEventListener("message", (event) => {
      try { handle(JSON.parse(event.data)); } catch { /* not ours */ }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4401) return;
      attempt += 1;
      setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() / 2));
    });
  }
  render();
  connect();
})();

// Copy buttons on code blocks (rendered by the server with data-copy-code).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-code]");
  if (!button || !navigator.clipboard) return;
  const code = button.parentElement.querySelector("pre");
  navigator.clipboard.writeText(code ? code.innerText : "").then(() => {
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  });
});
