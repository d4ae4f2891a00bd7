// A live room: one socket, messages ordered by seq, nothing lost, nothing twice.
// The server renders every message; this file only places the fragments by seq and keeps
// the person's own unsent messages until the server has them.
"use strict";

(() => {
  const room = document.getElementById("room");
  if (!room) return;
  const { fragment, LiveSocket, Contiguous, turnOff, decorate, mentionsOf } = window.NexusLive;
  const main = document.getElementById("messages");
  const panel = document.getElementById("thread-panel");
  const me = room.dataset.user;
  const moderator = room.dataset.moderator === "true";
  // Room events number every change (new message, edit, reaction…): the socket counts them
  // from data-last-event, the event the page was rendered at. Messages have their own gapless
  // seq: the read mark is the highest seq up to which every message has arrived.
  const seqs = new Contiguous(Number(room.dataset.lastSeq || 0));
  const applied = new Map();   // message id -> newest event applied to it
  let readTimer = null;
  const pending = new Map();   // client_id -> {body, parent, element}
  const pendingKey = `nexus-pending-${room.dataset.roomId}`;
  const mentions = mentionsOf([(room.dataset.meEmail || "").split("@")[0], room.dataset.meName]);
  const layout = (list) => decorate(list, { mentions });

  const newClientId = () =>
    (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}${Math.random()}`).replace(/[^A-Za-z0-9]/g, "");

  function markOwn(element) {
    element.classList.toggle("mine", element.dataset.author === me);
    element.classList.toggle("moderated", moderator);
    for (const button of element.querySelectorAll(".reaction")) {
      const mine = button.dataset.users.split(",").includes(me);
      button.classList.toggle("mine", mine);
      button.setAttribute("aria-pressed", String(mine));
    }
  }

  function listFor(element) {
    const parent = element.dataset.parent;
    return parent ? document.getElementById(`replies-${parent}`) : main;
  }

  // Put a rendered message where its seq says; replace it where it already is (edits, repeats).
  // A change to a message that is not on the page is not inserted (it is in older history).
  function place(html, { insert = true } = {}) {
    const element = fragment(html);
    if (!element) return null;
    markOwn(element);
    for (const existing of document.querySelectorAll(`[id="${element.id}"]`)) {
      const copy = element.cloneNode(true);
      if (existing.outerHTML !== copy.outerHTML) existing.replaceWith(copy);
    }
    if (document.getElementById(element.id) || !insert) {
      layout(listFor(element));
      return element;
    }
    const list = listFor(element);
    if (!list) return element;   // a reply to a thread that is not open here
    const oldest = list.querySelector(":scope > li.message[data-seq]");
    const historyMissing = list === main && document.getElementById("load-older");
    if (historyMissing && oldest && Number(element.dataset.seq) < Number(oldest.dataset.seq)) return element;
    document.getElementById("empty")?.remove();
    const seq = Number(element.dataset.seq);
    const before = [...list.querySelectorAll(":scope > li.message:not(.pending)")].find(
      (item) => Number(item.dataset.seq) > seq,
    );
    const scroller = list.closest(".timeline, .thread-panel") || list;
    const nearBottom = atBottom(scroller);
    list.insertBefore(element, before || list.querySelector(":scope > li.pending"));
    layout(list);
    if (nearBottom || element.dataset.author === me) element.scrollIntoView({ block: "nearest" });
    else if (list === main) countNew(1);
    return element;
  }

  // Messages that arrived while the reader was scrolled up: "N new messages", down to them.
  const timelineBox = main.closest(".timeline");
  const newPill = document.getElementById("new-pill");
  let unseenBelow = 0;
  const atBottom = (scroller) => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 150;
  function countNew(added) {
    if (!newPill) return;
    unseenBelow = added ? unseenBelow + added : 0;
    newPill.hidden = unseenBelow === 0;
    newPill.textContent = `${unseenBelow} new message${unseenBelow === 1 ? "" : "s"} ↓`;
  }
  newPill?.addEventListener("click", () => {
    timelineBox.scrollTop = timelineBox.scrollHeight;
    countNew(0);
  });
  timelineBox?.addEventListener("scroll", () => {
    if (unseenBelow && atBottom(timelineBox)) countNew(0);
  }, { passive: true });

  const live = new LiveSocket({
    path: `/ws/rooms/${room.dataset.slug}/`,
    since: room.dataset.lastEvent || 0,
    status: document.getElementById("connection"),
    what: "room",
    onFrame: handle,
    onReset: keepDraftsAndReload,
    onStop: stopWriting,
  });
  const send = (frame) => live.send(frame);
  window.NexusLive.roomSend = send;   // the emoji picker's reactions (emoji.js)

  function scheduleRead() {   // only while the page is seen; showing it again schedules one
    if (readTimer || document.visibilityState !== "visible") return;
    readTimer = setTimeout(() => {
      readTimer = null;
      if (document.visibilityState === "visible") send({ action: "read", seq: seqs.upTo });
    }, 1000);
  }

  function settle(clientId) {
    const entry = pending.get(clientId);
    if (!entry) return;
    entry.element.remove();
    pending.delete(clientId);
  }

  function showPendingState(clientId, state, text) {
    const entry = pending.get(clientId);
    if (!entry) return;
    entry.element.dataset.state = state;
    entry.element.querySelector(".pending-state").textContent = text;
    entry.element.querySelector(".retry").hidden = state !== "failed";
  }

  // Signed out or no access any more: nothing can be sent from this page, and it says so;
  // what was waiting to go is marked as not sent (a retry could never succeed).
  function stopWriting(state, text) {
    for (const clientId of pending.keys()) showPendingState(clientId, "refused", `Not sent: ${text}`);
    turnOff(room, text);
  }

  function handle(frame) {
    switch (frame.type) {
      case "message":
      case "message_changed": {
        if ((applied.get(frame.id) || 0) < frame.event) {   // an older frame that came late: skip
          applied.set(frame.id, frame.event);
          const element = place(frame.html, { insert: frame.type === "message" });
          if (element?.dataset.author === me) settle(frame.client_id);
          if (frame.type === "message") stopTyping(element?.dataset.author);   // they sent it
        }
        seqs.add(frame.seq);
        live.saw(frame.event);
        scheduleRead();
        break;
      }
      case "ack":
        if (document.getElementById(`message-${frame.id}`)) settle(frame.client_id);
        else showPendingState(frame.client_id, "sent", "Sent");
        live.due(frame.event);   // its frame is due: a hole if it never comes
        break;
      case "synced":   // caught up: every message up to frame.seq is here
        for (const [clientId, entry] of pending) {
          if (entry.element.dataset.state !== "failed") {
            send({ action: "post", client_id: clientId, body: entry.body, parent: entry.parent, attachments: entry.attachments });
          }
        }
        seqs.fill(frame.seq);
        scheduleRead();
        break;
      case "error":
        if (frame.client_id && pending.has(frame.client_id)) {
          showPendingState(frame.client_id, "failed", `Not sent: ${frame.message}`);
        } else {
          showError(frame.message);
        }
        break;
      case "presence":
        window.NexusLive.applyPresence(frame);
        break;
      case "room": {
        const head = fragment(frame.html);
        window.NexusLive.hideMe(head);   // a direct conversation's header lists everyone
        if (head) document.getElementById("room-head")?.replaceWith(head);
        room.dataset.archived = String(frame.data.archived);   // the server refuses writes anyway
        const composer = document.getElementById("composer");
        if (composer) composer.hidden = frame.data.archived;
        document.getElementById("archived-note")?.toggleAttribute("hidden", !frame.data.archived);
        break;
      }
      case "typing":
        if (String(frame.user) !== me) showTyping(String(frame.user), frame.data.name);
        break;

      default:
        break;
    }
    room.dispatchEvent(new CustomEvent("nexus:frame", { detail: frame }));   // pins.js and others listen
  }
  room.addEventListener("nexus:send", (event) => send(event.detail));   // their frames go out here

  const typists = new Map();   // user id -> {name, timer}
  function renderTyping() {
    const line = document.getElementById("typing");
    if (!line) return;
    const names = [...typists.values()].map((entry) => entry.name);
    line.textContent = names.length === 0 ? "" :
      names.length === 1 ? `${names[0]} is typing…` :
      names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : "Several people are typing…";
  }
  function stopTyping(user) {
    if (!typists.has(user)) return;
    clearTimeout(typists.get(user).timer);
    typists.delete(user);
    renderTyping();
  }
  function showTyping(user, name) {
    clearTimeout(typists.get(user)?.timer);
    const timer = setTimeout(() => stopTyping(user), 5000);
    typists.set(user, { name, timer });
    renderTyping();
  }

  function keepDraftsAndReload() {   // too far behind to catch up frame by frame
    sessionStorage.setItem(pendingKey, JSON.stringify([...pending].map(([clientId, entry]) => [clientId, entry.body, entry.parent, entry.attachments])));
    window.location.reload();
  }

  function showError(text, form) {
    const error = form?.querySelector(".composer-error, #composer-error") || document.getElementById("composer-error");
    if (error) error.textContent = text || "";
  }

  function addPending(clientId, body, parent, list, attachments = []) {
    const element = document.createElement("li");
    element.className = "message pending mine";
    element.dataset.state = "pending";
    element.dataset.clientId = clientId;
    const text = document.createElement("div");
    text.className = "body";
    text.textContent = body || `📎 ${attachments.length} file${attachments.length === 1 ? "" : "s"}`;
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
      send({ action: "post", client_id: clientId, body, parent, attachments });
    });
    element.append(text, state, retry);
    list.append(element);
    element.scrollIntoView({ block: "nearest" });
    pending.set(clientId, { body, parent, element, attachments });
  }

  // Every composer (the room's and a thread's): Enter sends, Shift+Enter adds a line.
  room.addEventListener("submit", (event) => {
    const form = event.target.closest("form.composer");
    if (!form) return;
    event.preventDefault();
    const textarea = form.querySelector("textarea");
    const body = textarea.value.trim();
    const files = window.NexusLive.attachmentsOf?.(form) || { ids: [], uploading: 0 };   // attachments.js
    if (files.uploading) {
      showError(`Wait a moment: ${files.uploading} file${files.uploading === 1 ? " is" : "s are"} still uploading. Your message is kept.`, form);
      return;
    }
    if (!body && !files.ids.length) return;
    if (body.length > maxLength(textarea)) {
      showLimitError(form, `A message is at most ${number(maxLength(textarea))} characters: this one has ${number(body.length)}. Shorten it or split it in two.`);
      return;
    }
    showError("", form);
    const parent = form.dataset.parent ? Number(form.dataset.parent) : null;
    const list = parent ? document.getElementById(`replies-${parent}`) : main;
    const clientId = newClientId();
    const attachments = files.ids;
    addPending(clientId, body, parent, list, attachments);
    textarea.value = "";
    form.querySelector(".similar")?.replaceChildren();   // "Already solved?" was for this text
    window.NexusLive.clearAttachments?.(form);
    showCount(textarea);
    if (!send({ action: "post", client_id: clientId, body, parent, attachments })) {
      showPendingState(clientId, "pending", "Waiting for the connection…");
    }
  });
  let lastTyping = 0;
  room.addEventListener("keydown", (event) => {
    if (!event.target.matches("form.composer textarea") || event.defaultPrevented) return;   // e.g. a suggestion picked
    if (event.key === "ArrowUp" && !event.target.value && !event.shiftKey && !event.altKey) {
      // ↑ in an empty composer edits my last message (of this list: the room's or the thread's)
      const list = event.target.form.dataset.parent ? document.getElementById(`replies-${event.target.form.dataset.parent}`) : main;
      const mine = [...(list?.querySelectorAll(":scope > li.message.mine:not(.deleted):not(.pending)") || [])].pop();
      const button = mine?.querySelector("[data-edit]");
      if (button) {
        event.preventDefault();
        startEdit(mine, Number(button.dataset.edit));
      }
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });
  // The limit is never enforced by cutting text (a textarea's maxlength truncates a paste
  // without a word): a paste that would not fit is refused whole, with the reason; typed text
  // shows a count near the limit and is refused on send.
  const maxLength = (textarea) => Number(textarea.dataset.maxLength);
  const number = (n) => n.toLocaleString();
  function showLimitError(form, text) {
    showError(text, form);
    const error = form.querySelector(".composer-error, #composer-error");
    if (error) error.dataset.limit = "true";
  }
  function showCount(textarea) {
    const form = textarea.form;
    const count = form.querySelector(".char-count");
    const max = maxLength(textarea);
    const length = textarea.value.length;
    if (count) {
      count.hidden = length < max * 0.9;
      count.textContent = `${number(length)} / ${number(max)}`;
      count.classList.toggle("over", length > max);
    }
    const error = form.querySelector(".composer-error, #composer-error");
    if (error?.dataset.limit && textarea.value.trim().length <= max) {
      delete error.dataset.limit;
      error.textContent = "";
    }
  }
  room.addEventListener("paste", (event) => {
    const textarea = event.target;
    if (!textarea.matches?.("form.composer textarea")) return;
    const pasted = event.clipboardData?.getData("text/plain") || "";
    const kept = textarea.value.length - (textarea.selectionEnd - textarea.selectionStart);
    const max = maxLength(textarea);
    if (kept + pasted.length <= max) return;
    event.preventDefault();
    showLimitError(textarea.form, `Not pasted: that text has ${number(pasted.length)} characters and a message is at most ${number(max)} characters. Split it into parts, or paste a shorter piece.`);
  });
  room.addEventListener("input", (event) => {
    if (!event.target.matches("form.composer textarea")) return;
    showCount(event.target);
    if (Date.now() - lastTyping > 3000 && event.target.value.trim()) {
      lastTyping = Date.now();
      send({ action: "typing" });
    }
  });

  // One emoji palette for the page: a message's picker gets its copy when first opened.
  room.addEventListener("toggle", (event) => {
    const picker = event.target;
    if (!picker.matches("details.react-picker") || !picker.open || picker.querySelector("[data-react]")) return;
    const palette = document.getElementById("reaction-palette")?.content.cloneNode(true);
    if (!palette) return;
    const id = picker.closest("li.message").id.replace("message-", "");
    for (const choice of palette.querySelectorAll("[data-react]")) choice.dataset.message = id;
    picker.append(palette);
  }, true);

  room.addEventListener("click", async (event) => {
    const del = event.target.closest("[data-delete]");
    if (del) {
      if (window.confirm("Delete this message?")) send({ action: "delete", id: Number(del.dataset.delete) });
      return;
    }
    const unpreview = event.target.closest("[data-unpreview]");
    if (unpreview) {
      send({ action: "unpreview", id: Number(unpreview.dataset.unpreview), preview: Number(unpreview.dataset.previewId) });
      return;
    }
    const react = event.target.closest("[data-react]");
    if (react) {
      send({ action: "react", id: Number(react.dataset.message), emoji: react.dataset.react });
      react.closest("details")?.removeAttribute("open");
      return;
    }
    // Toggles: {action, id, <state>: the opposite of what the button shows}.
    for (const [action, state] of [["accept", "accepted"], ["verify", "verified"], ["resolve", "resolved"]]) {
      const button = event.target.closest(`[data-${action}]`);
      if (button) {
        send({ action, id: Number(button.dataset[action]), [state]: button.dataset[state] !== "true" });
        return;
      }
    }
    const edit = event.target.closest("[data-edit]");
    if (edit) {
      startEdit(edit.closest("li.message"), Number(edit.dataset.edit));
      return;
    }
    const people = document.getElementById("people");
    if (event.target.closest(".people-toggle, .close-people") && people) {   // a sheet on a phone
      const opened = people.classList.toggle("open");
      room.querySelector(".people-toggle")?.setAttribute("aria-expanded", String(opened));
      (opened ? people.querySelector(".close-people") : room.querySelector(".people-toggle"))?.focus();
      return;
    }
    if (event.target.closest("[data-close-thread]") && panel) {
      panel.hidden = true;
      panel.replaceChildren();
      return;
    }
    const link = event.target.closest("a[data-thread]");
    if (link && panel && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      const response = await fetch(link.href, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
      if (!response.ok) return;
      const section = fragment(await response.text());
      section.querySelectorAll("li.message").forEach(markOwn);
      panel.replaceChildren(section);
      window.htmx?.process(section);   // the panel's board picker posts with htmx
      for (const list of section.querySelectorAll("ol")) layout(list);
      panel.hidden = false;
      if (live.stopped) turnOff(panel, live.stoppedText);
      section.querySelector("textarea")?.focus();
    }
  });

  function startEdit(element, id) {
    if (element.querySelector("form.edit")) return;
    const source = element.querySelector("template.source");
    const form = document.createElement("form");
    form.className = "edit";
    const label = document.createElement("label");
    label.className = "visually-hidden";
    label.textContent = "Edit message";
    label.htmlFor = `edit-${id}`;
    const area = document.createElement("textarea");
    area.id = `edit-${id}`;
    area.value = source ? source.content.textContent : "";
    // Tall enough for the text (up to a dozen lines; it scrolls beyond): the editor replaces it.
    area.rows = Math.min(12, Math.max(3, area.value.split("\n").length + 1));
    const save = document.createElement("button");
    save.type = "submit";
    save.className = "button small primary";
    save.textContent = "Save";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button small";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", () => form.remove());
    const error = document.createElement("p");
    error.className = "error edit-error";
    error.setAttribute("role", "alert");
    form.append(label, area, save, cancel, error);
    area.addEventListener("keydown", (event) => {
      if (event.key === "Escape") form.remove();
      else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      // Refused here, with the text kept: an empty message would be a delete, a long one cut.
      const body = area.value.trim();
      if (!body) {
        error.textContent = "A message can't be empty. To remove it, use Delete.";
        return;
      }
      if (body.length > maxLength(document.getElementById("message-body") || area)) {
        error.textContent = `A message is at most ${number(maxLength(document.getElementById("message-body")))} characters: this one has ${number(body.length)}.`;
        return;
      }
      if (send({ action: "edit", id, body: area.value })) form.remove();
      else error.textContent = "Not connected: your edit is kept here. Save again once the room is live.";
    });
    element.append(form);
    area.focus();
  }

  const older = document.getElementById("load-older");
  let loadingOlder = false;
  async function loadOlder() {
    if (loadingOlder || !older.isConnected) return;
    loadingOlder = true;
    const response = await fetch(`${room.dataset.history}?before=${older.dataset.before}`, { credentials: "same-origin" });
    if (!response.ok) {
      loadingOlder = false;
      return;
    }
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const items = [...template.content.querySelectorAll("li.message")].filter((item) => !document.getElementById(item.id));
    items.forEach(markOwn);
    const timeline = main.closest(".timeline");
    const fromBottom = timeline.scrollHeight - timeline.scrollTop;
    main.prepend(...items);
    layout(main);
    timeline.scrollTop = timeline.scrollHeight - fromBottom;  // keep what the reader was looking at
    if (items.length && Number(items[0].dataset.seq) > 1) older.dataset.before = items[0].dataset.seq;
    else older.remove();
    loadingOlder = false;
  }
  if (older) {
    older.addEventListener("click", loadOlder);
    // Scrolling up to the top of the timeline loads the page before it.
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadOlder();
    }, { root: older.closest(".timeline") }).observe(older);
  }

  for (const item of document.querySelectorAll("li.message")) markOwn(item);
  for (const list of room.querySelectorAll("ol.messages, ol.thread-replies")) layout(list);
  for (const [clientId, body, parent, attachments] of JSON.parse(sessionStorage.getItem(pendingKey) || "[]")) {
    const list = parent ? document.getElementById(`replies-${parent}`) : main;
    if (list) addPending(clientId, body, parent, list, attachments || []);   // sent again once the socket syncs
  }
  sessionStorage.removeItem(pendingKey);
  const timeline = main.closest(".timeline");
  if (timeline) timeline.scrollTop = timeline.scrollHeight;
  const newLine = document.getElementById("new-line");
  newLine?.scrollIntoView({ block: "center" });
  // The first unread is above what is shown (a long unread stretch): one click takes you there.
  const jump = document.getElementById("jump-unread");
  if (newLine && jump && timelineBox) {
    new IntersectionObserver(([entry]) => {
      jump.hidden = entry.isIntersecting || entry.boundingClientRect.top > entry.rootBounds.top;
    }, { root: timelineBox }).observe(newLine);
    jump.addEventListener("click", () => newLine.scrollIntoView({ block: "center" }));
  }
  if (window.location.hash) document.querySelector(window.location.hash)?.classList.add("highlighted");
  if (room.dataset.live === "true") {
    document.addEventListener("visibilitychange", scheduleRead);
    // Leaving within the second: the read mark goes now, or your own last message stays unread.
    window.addEventListener("pagehide", () => {
      if (!readTimer) return;
      clearTimeout(readTimer);
      readTimer = null;
      send({ action: "read", seq: seqs.upTo });
    });
    live.start();
  }
})();
