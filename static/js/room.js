// A live room: one socket, messages ordered by seq, nothing lost, nothing twice.
// The server renders every message; this file only places fragments, by seq, and keeps
// the person's own unsent messages until the server has them.
"use strict";

(() => {
  const room = document.getElementById("room");
  if (!room) return;
  const list = document.getElementById("messages");
  const status = document.getElementById("connection");
  const composer = document.getElementById("composer");
  const me = room.dataset.user;
  const moderator = room.dataset.moderator === "true";
  const seen = new Set();        // seqs rendered
  let contiguous = 0;            // every seq up to this one is rendered
  let socket = null;
  let attempt = 0;
  let gapTimer = null;
  let readTimer = null;
  const pending = new Map();     // client_id -> {body, element}

  const newClientId = () =>
    (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^A-Za-z0-9]/g, "");

  function setState(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  function markOwn(element) {
    const own = element.dataset.author === me;
    element.classList.toggle("mine", own);
    element.classList.toggle("moderated", moderator);
  }

  function remember(seq) {
    seen.add(seq);
    while (seen.has(contiguous + 1)) contiguous += 1;
  }

  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // Place a rendered message by its seq; replace it if it is already here (an edit or a repeat).
  function place(html, { replaceOnly = false } = {}) {
    const element = fragment(html);
    if (!element) return;
    const seq = Number(element.dataset.seq);
    markOwn(element);
    const existing = document.getElementById(element.id);
    if (existing) {
      if (existing.outerHTML !== element.outerHTML) existing.replaceWith(element);
      remember(seq);
      return;
    }
    if (replaceOnly && seq <= contiguous) return;   // a change to a message not loaded here
    const empty = document.getElementById("empty");
    if (empty) empty.remove();
    let before = null;
    for (const item of list.querySelectorAll(":scope > li.message")) {
      if (Number(item.dataset.seq) > seq) { before = item; break; }
    }
    const firstPending = list.querySelector(":scope > li.pending");
    list.insertBefore(element, before || firstPending);
    remember(seq);
    const atBottom = list.parentElement.scrollHeight - list.parentElement.scrollTop - list.parentElement.clientHeight < 120;
    if (atBottom || element.dataset.author === me) element.scrollIntoView({ block: "end" });
  }

  function watchForGap(seq) {
    if (seq <= contiguous + 1 || gapTimer) return;
    // Frames can arrive out of order across server processes; ask again if a hole stays.
    gapTimer = setTimeout(() => {
      gapTimer = null;
      if (Math.max(...seen) > contiguous) send({ action: "sync", since: contiguous });
    }, 1500);
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function scheduleRead() {
    if (readTimer) return;
    readTimer = setTimeout(() => {
      readTimer = null;
      if (document.visibilityState === "visible") send({ action: "read", seq: contiguous });
    }, 1000);
  }

  function showPendingState(clientId, state, text) {
    const entry = pending.get(clientId);
    if (!entry) return;
    entry.element.dataset.state = state;
    entry.element.querySelector(".pending-state").textContent = text;
    entry.element.querySelector(".retry").hidden = state !== "failed";
  }

  function handle(frame) {
    switch (frame.type) {
      case "message":
      case "message_changed": {
        place(frame.html, { replaceOnly: frame.type === "message_changed" });
        if (frame.client_id && pending.has(frame.client_id) && document.getElementById(`message-${frame.id}`)?.dataset.author === me) {
          pending.get(frame.client_id).element.remove();
          pending.delete(frame.client_id);
        }
        watchForGap(frame.seq);
        scheduleRead();
        break;
      }
      case "ack":
        showPendingState(frame.client_id, "sent", "Sent");
        if (document.getElementById(`message-${frame.id}`) && pending.has(frame.client_id)) {
          pending.get(frame.client_id).element.remove();
          pending.delete(frame.client_id);
        }
        break;
      case "synced":
        for (const [clientId, entry] of pending) {
          if (entry.element.dataset.state !== "failed") send({ action: "post", client_id: clientId, body: entry.body });
        }
        if (frame.last_seq > contiguous) send({ action: "sync", since: contiguous });
        scheduleRead();
        break;
      case "error":
        if (frame.client_id && pending.has(frame.client_id)) {
          showPendingState(frame.client_id, "failed", `Not sent: ${frame.message}`);
        } else {
          showComposerError(frame.message);
        }
        break;
      case "presence": {
        const online = fragment(frame.html);
        if (online) document.getElementById("online")?.replaceWith(online);
        break;
      }
      case "typing":
        if (String(frame.user) !== me) showTyping(frame.user, frame.name);
        break;
      case "reset":
        window.location.reload();
        break;
      default:
        break;
    }
  }

  const typists = new Map();   // user id -> timer
  function renderTyping() {
    const names = [...typists.values()].map((entry) => entry.name);
    const line = document.getElementById("typing");
    if (!line) return;
    line.textContent = names.length === 0 ? "" :
      names.length === 1 ? `${names[0]} is typing…` :
      names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : "Several people are typing…";
  }
  function showTyping(user, name) {
    clearTimeout(typists.get(user)?.timer);
    const timer = setTimeout(() => { typists.delete(user); renderTyping(); }, 5000);
    typists.set(user, { name, timer });
    renderTyping();
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${window.location.host}/ws/rooms/${room.dataset.slug}/?since=${contiguous}`;
    setState(attempt ? "reconnecting" : "connecting", attempt ? "Reconnecting…" : "Connecting…");
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      attempt = 0;
      setState("live", "Live");
    });
    socket.addEventListener("message", (event) => {
      try {
        handle(JSON.parse(event.data));
      } catch (error) {
        console.warn("bad frame", error);
      }
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      if (event.code === 4401) {
        setState("offline", "Signed out. Reload to sign in again.");
        return;
      }
      if (event.code === 4403) {
        setState("offline", "You no longer have access to this room.");
        return;
      }
      attempt += 1;
      const delay = Math.min(15000, 500 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() / 2);
      setState("reconnecting", `Offline. Reconnecting in ${Math.round(delay / 1000)} s…`);
      setTimeout(connect, delay);
    });
  }

  function showComposerError(text) {
    const error = document.getElementById("composer-error");
    if (error) error.textContent = text || "";
  }

  function addPending(clientId, body) {
    const element = document.createElement("li");
    element.className = "message pending mine";
    element.dataset.state = "pending";
    element.dataset.clientId = clientId;
    const text = document.createElement("div");
    text.className = "body";
    text.textContent = body;
    const state = document.createElement("span");
    state.className = "pending-state muted";
    state.textContent = "Sending…";
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "button small retry";
    retry.textContent = "Retry";
    retry.hidden = true;
    retry.addEventListener("click", () => {
      showPendingState(clientId, "pending", "Sending…");
      send({ action: "post", client_id: clientId, body });
    });
    element.append(text, state, retry);
    list.append(element);
    element.scrollIntoView({ block: "end" });
    pending.set(clientId, { body, element });
  }

  if (composer) {
    const textarea = composer.querySelector("textarea");
    const max = Number(textarea.getAttribute("maxlength"));
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = textarea.value.trim();
      if (!body) return;
      if (body.length > max) {
        showComposerError(`A message is at most ${max} characters.`);
        return;
      }
      showComposerError("");
      const clientId = newClientId();
      addPending(clientId, body);
      textarea.value = "";
      if (!send({ action: "post", client_id: clientId, body })) {
        showPendingState(clientId, "pending", "Waiting for the connection…");
      }
    });
    let lastTyping = 0;
    textarea.addEventListener("input", () => {
      if (Date.now() - lastTyping > 3000 && textarea.value.trim()) {
        lastTyping = Date.now();
        send({ action: "typing" });
      }
    });
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
  }

  list.addEventListener("click", (event) => {
    const del = event.target.closest("[data-delete]");
    if (del && window.confirm("Delete this message?")) {
      send({ action: "delete", id: Number(del.dataset.delete) });
      return;
    }
    const edit = event.target.closest("[data-edit]");
    if (edit) startEdit(edit.closest("li.message"), Number(edit.dataset.edit));
  });

  function startEdit(element, id) {
    if (element.querySelector("form.edit")) return;
    const source = element.querySelector("template.source");
    const form = document.createElement("form");
    form.className = "edit";
    const label = document.createElement("label");
    label.textContent = "Edit message";
    label.className = "visually-hidden";
    const area = document.createElement("textarea");
    area.value = source ? source.content.textContent : "";
    area.rows = 3;
    label.append(area);
    const save = document.createElement("button");
    save.type = "submit";
    save.className = "button small primary";
    save.textContent = "Save";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button small";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", () => form.remove());
    form.append(label, save, cancel);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (send({ action: "edit", id, body: area.value })) form.remove();
    });
    element.append(form);
    area.focus();
  }

  const older = document.getElementById("load-older");
  if (older) {
    older.addEventListener("click", async () => {
      const before = older.dataset.before;
      const response = await fetch(`${room.dataset.history}?before=${before}`, { credentials: "same-origin" });
      if (!response.ok) return;
      const template = document.createElement("template");
      template.innerHTML = (await response.text()).trim();
      const items = [...template.content.querySelectorAll("li.message")];
      items.forEach(markOwn);
      list.prepend(...items.filter((item) => !document.getElementById(item.id)));
      if (items.length && Number(items[0].dataset.seq) > 1) older.dataset.before = items[0].dataset.seq;
      else older.remove();
    });
  }

  for (const item of list.querySelectorAll(":scope > li.message")) {
    markOwn(item);
    remember(Number(item.dataset.seq));
  }
  // The page was rendered up to some seq; older ones are history, not gaps.
  const rendered = [...seen];
  if (rendered.length) contiguous = Math.max(...rendered);
  document.getElementById("new-line")?.scrollIntoView({ block: "center" });
  document.addEventListener("visibilitychange", scheduleRead);
  setInterval(() => send({ action: "ping" }), 20000);  // presence heartbeat
  connect();
})();
