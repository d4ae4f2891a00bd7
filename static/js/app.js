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

// Shared by room.js and board.js (this file runs after live.js, before them).
window.NexusLive = Object.assign(window.NexusLive || {}, {
  // A modal <dialog> appended to the page: a head holding `head` (a title or a search field)
  // and a Close button, then `body`. The emoji picker and the shortcuts list use it.
  dialog({ className, label, labelledBy, head, body }) {
    const dialog = document.createElement("dialog");
    dialog.className = `dialog ${className}`;
    if (labelledBy) dialog.setAttribute("aria-labelledby", labelledBy);
    else dialog.setAttribute("aria-label", label);
    const top = document.createElement("div");
    top.className = "dialog-head";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "button small";
    close.textContent = "Close";
    close.addEventListener("click", () => dialog.close());
    top.append(...head, close);
    dialog.append(top, ...body);
    document.body.append(dialog);
    return dialog;
  },

  // A direct conversation's names in a live frame list everyone (rendered once for all its
  // people): each page drops its own person.
  hideMe(root) {
    const me = document.getElementById("sidebar")?.dataset.me;
    if (!me || !root) return;
    for (const person of root.querySelectorAll(`[data-person="${me}"]`)) person.remove();
    for (const people of root.querySelectorAll(".dm-people")) {
      const first = people.querySelector(".dm-person");
      if (!first) people.textContent = "Just you";
      else first.querySelector(".dm-sep")?.remove();
    }
  },

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
});

// Forms that arrived in a live frame were rendered once for everyone, without this person's
// CSRF token: they take the page's (the same one htmx sends) when submitted.
document.addEventListener("submit", (event) => {
  const field = event.target.querySelector?.("input[name=csrfmiddlewaretoken]");
  if (!field || field.value) return;
  try {
    field.value = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  } catch {
    // no token on this page: the server answers 403 and says why
  }
}, true);

// Unread counts and @mentions, live on every page: one socket per tab to /ws/me/.
(() => {
  const stateTag = document.getElementById("nav-state");
  if (!stateTag) return;
  // {rooms: {id: [lastSeq, lastRead]}, mentions, mentioned: {id: [seq of an unread mention…]}}
  const state = JSON.parse(stateTag.textContent);
  const openRoom = document.getElementById("room")?.dataset.roomId;

  function setBadge(element, count) {
    if (!element) return;
    element.hidden = count <= 0;
    element.querySelector(".count").textContent = String(count);
  }

  function render() {
    let total = 0;
    let direct = 0;   // direct conversations are counted apart from rooms
    const directs = new Set((state.direct || []).map(String));
    for (const [room, [lastSeq, lastRead]] of Object.entries(state.rooms)) {
      const unread = room === openRoom ? 0 : Math.max(0, lastSeq - lastRead);
      if (directs.has(room)) direct += unread;
      else total += unread;
      for (const badge of document.querySelectorAll(`[data-room-unread="${room}"]`)) setBadge(badge, unread);
      const mentioned = (state.mentioned?.[room] || []).filter((seq) => seq > lastRead).length;
      const mentions = document.querySelector(`[data-room-mentions="${room}"]`);
      setBadge(mentions, room === openRoom ? 0 : mentioned);
      if (mentions) mentions.querySelector(".count").textContent = `@${mentioned}`;
    }
    setBadge(document.getElementById("unread-total"), total);
    setBadge(document.getElementById("direct-unread"), direct);
    for (const badge of document.querySelectorAll("[data-unread-mirror]")) setBadge(badge, total);
    setBadge(document.getElementById("mention-count"), state.mentions);
  }

  function handle(frame) {
    if (frame.type === "state") {   // on every (re)connect: the counts as they are now
      Object.assign(state, { rooms: frame.rooms, mentions: frame.mentions, mentioned: frame.mentioned || {}, direct: frame.direct || [] });
      render();
      refreshExports();
      return;
    }
    if (frame.type === "mention") {
      state.mentions = frame.count;
      if (frame.count === 0) state.mentioned = {};
      else if (frame.room !== undefined) (state.mentioned[String(frame.room)] ||= []).push(frame.seq);
    } else if (frame.type === "export") {   // an export of mine progressed: its row, as the server drew it
      showExport(frame);
      return;
    } else if (frame.type === "direct") {   // a conversation of mine opened, named, or left
      showDirect(frame);
    } else if (frame.type === "activity" || frame.type === "read") {
      const entry = state.rooms[String(frame.room)] || (state.rooms[String(frame.room)] = [0, 0]);
      entry[0] = Math.max(entry[0], frame.seq);
      if (frame.type === "read") entry[1] = Math.max(entry[1], frame.seq);
      if (frame.direct) (state.direct ||= []).push(frame.room);
    } else {
      return;
    }
    render();
  }

  // A direct conversation in the /dm/ list and the sidebar: added on top when new, its name
  // replaced when it changed (its badges and place kept), removed when I left it.
  function showDirect(frame) {
    const id = String(frame.id);
    const rows = [document.getElementById(`dm-entry-${id}`), document.getElementById(`side-dm-${id}`)];
    if (frame.left) {
      for (const row of rows) row?.remove();
      delete state.rooms[id];
      state.direct = (state.direct || []).filter((room) => String(room) !== id);
      return;
    }
    if (!(id in state.rooms)) state.rooms[id] = [0, 0];
    if (!(state.direct || []).map(String).includes(id)) (state.direct ||= []).push(frame.id);
    const box = window.NexusLive.fragment(frame.html);
    window.NexusLive.hideMe(box);
    const fresh = [box.querySelector(".direct-entry"), box.querySelector(`#side-dm-${id}`)];
    const lists = [document.getElementById("dm-list"), document.getElementById("side-directs-list")];
    fresh.forEach((row, index) => {
      const list = lists[index];
      if (!list || !row) return;
      const shown = rows[index];
      if (shown) {
        const name = index === 0 ? "a" : ".side-name";
        shown.querySelector(name)?.replaceWith(row.querySelector(name));
        return;
      }
      list.prepend(row);
      list.hidden = false;
      document.getElementById(index === 0 ? "dm-empty" : "side-directs")?.toggleAttribute("hidden", index === 0);
    });
  }

  // The Exports page: a row replaced as its export progresses, a new one (another tab) added on
  // top. A row never goes back (a page read overtaken by a frame): finished stays finished.
  const finished = (row) => row.dataset.status === "done" || row.dataset.status === "failed";
  function showRow(list, row) {
    const shown = document.getElementById(row.id);
    if (!shown) {
      document.getElementById("exports-empty")?.remove();
      list.prepend(row);
    } else if (!finished(shown) && (finished(row) || Number(row.dataset.progress) >= Number(shown.dataset.progress))) {
      shown.replaceWith(row);
    }
  }
  function showExport(frame) {
    const list = document.getElementById("exports");
    if (list) showRow(list, window.NexusLive.fragment(frame.html));
  }

  // Frames sent before this socket opened are missed: an export still being written when the
  // page was drawn is read again once the socket is there (on every `state`, i.e. every open).
  function refreshExports() {
    const list = document.getElementById("exports");
    if (!list?.querySelector('[data-status="pending"], [data-status="running"]')) return;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("exports");
        for (const row of [...(fresh?.querySelectorAll(".export") || [])].reverse()) showRow(list, row);
      })
      .catch(() => {});   // the next frame, or the next reconnect, brings it
  }

  render();
  const live = new window.NexusLive.LiveSocket({ path: "/ws/me/", onFrame: handle });
  live.start();
})();

// Due dates by the viewer's own calendar: the server drew "overdue" / "due soon" by its date
// (UTC); a card due today is not overdue here because it is tomorrow in UTC, nor still "soon"
// when the day is over here. Tiles that arrive live are said again as they are inserted.
(() => {
  const WORDS = { overdue: "⚠ Overdue · ", soon: "Due soon · ", later: "Due " };
  const DAY = 24 * 60 * 60 * 1000;
  const localToday = () => {
    const now = new Date();
    return Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  };
  function sayDue(element, today) {
    if (element.hasAttribute("data-due-fixed")) return;   // archived: never overdue
    const [year, month, day] = element.dataset.due.split("-").map(Number);
    if (!year || !month || !day) return;
    const days = Math.round((Date.UTC(year, month - 1, day) - today) / DAY);
    const soon = Number(element.dataset.nearDays || 2);
    const state = days < 0 ? "overdue" : days <= soon ? "soon" : "later";
    element.className = `due due-${state}`;
    const word = element.querySelector(".due-word");
    if (word && word.textContent !== WORDS[state]) word.textContent = WORDS[state];
  }
  function sayAll(root) {
    const today = localToday();
    if (root.matches?.("[data-due]")) sayDue(root, today);
    for (const element of root.querySelectorAll?.("[data-due]") || []) sayDue(element, today);
  }
  sayAll(document);
  new MutationObserver((changes) => {
    for (const change of changes) for (const node of change.addedNodes) if (node.nodeType === 1) sayAll(node);
  }).observe(document.body, { childList: true, subtree: true });
  setInterval(() => sayAll(document), 60 * 1000);   // midnight passes on an open page
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

// The sidebar: hidden and shown again on a wide screen (a cookie keeps the choice for the next
// page, drawn by the server), a drawer over the page on a phone (Escape or a tap outside closes).
(() => {
  const sidebar = document.getElementById("sidebar");
  if (!sidebar) return;
  const open = document.getElementById("sidebar-open");
  const close = document.getElementById("sidebar-close");
  const backdrop = document.getElementById("sidebar-backdrop");
  const phone = window.matchMedia("(max-width: 48rem)");
  const body = document.body;

  function setDrawer(opened) {
    body.classList.toggle("drawer-open", opened);
    open.setAttribute("aria-expanded", String(opened));
    backdrop.hidden = !opened;
    if (opened) sidebar.querySelector("a[aria-current], a")?.focus();
    else open.focus();
  }
  function setCollapsed(collapsed) {
    body.classList.toggle("sidebar-collapsed", collapsed);
    document.cookie = `sidebar=${collapsed ? "collapsed" : "shown"}; path=/; max-age=31536000; samesite=lax`;
    (collapsed ? open : close).focus();
  }
  open.addEventListener("click", () => (phone.matches ? setDrawer(true) : setCollapsed(false)));
  close.addEventListener("click", () => (phone.matches ? setDrawer(false) : setCollapsed(true)));
  backdrop.addEventListener("click", () => setDrawer(false));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && body.classList.contains("drawer-open")) setDrawer(false);
  });
  phone.addEventListener("change", () => body.classList.contains("drawer-open") && setDrawer(false));
})();
