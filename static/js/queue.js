// The mentor help queue, live (decision 023): the whole queue when the socket opens, then one
// question at a time — new or changed (`queue_item`, placed by when it was asked: oldest
// first) or gone (`queue_removed`). Each question's frames carry its room event: a late
// older one is dropped. Who may claim is the viewer's: "I'm on it" or "Leave it" by the
// claimers' ids, since every mentor receives the same fragment.
"use strict";

(() => {
  const page = document.getElementById("queue-page");
  if (!page) return;
  const me = page.dataset.user;
  const { fragment, LiveSocket } = window.NexusLive;
  const seen = new Map();   // question id -> newest event applied (a removal too)

  const list = () => document.getElementById("queue-list");

  function waitingText(seconds) {
    const minutes = Math.max(0, Math.floor(seconds / 60));
    if (minutes < 60) return `${minutes} min`;
    if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
    return `${Math.floor(minutes / (24 * 60))} d`;
  }

  function refreshWaiting() {
    const now = Date.now();
    for (const time of page.querySelectorAll("time.waiting")) {
      const asked = Date.parse(time.getAttribute("datetime"));
      if (!Number.isNaN(asked)) time.textContent = `waiting ${waitingText((now - asked) / 1000)}`;
    }
  }

  function decorate(item) {
    const mine = (item.dataset.claimers || "").split(/\s+/).includes(me);
    const claim = item.querySelector(".claim");
    const unclaim = item.querySelector(".unclaim");
    if (claim) claim.hidden = mine;
    if (unclaim) unclaim.hidden = !mine;
    item.classList.toggle("mine", mine);
    if (window.htmx) window.htmx.process(item);
  }

  function recount() {
    const items = list()?.querySelectorAll(":scope > .queue-item") || [];
    const count = document.getElementById("queue-count");
    if (count) count.textContent = `${items.length} open question${items.length === 1 ? "" : "s"}`;
    const empty = document.getElementById("queue-empty");
    if (empty) empty.hidden = items.length > 0;
    refreshWaiting();
  }

  function place(item) {
    const target = list();
    if (!target) return;
    const asked = Date.parse(item.dataset.asked);
    for (const other of target.querySelectorAll(":scope > .queue-item")) {
      if (Date.parse(other.dataset.asked) > asked) {
        other.before(item);
        return;
      }
    }
    target.append(item);
  }

  function stale(frame) {
    const before = seen.get(String(frame.id));
    if (before !== undefined && before > frame.event) return true;
    seen.set(String(frame.id), frame.event);
    return false;
  }

  function handle(frame) {
    if (frame.type === "queue") {
      const body = document.getElementById("queue-body");
      const template = document.createElement("template");
      template.innerHTML = frame.html;
      body.replaceChildren(template.content);
      seen.clear();
      for (const item of body.querySelectorAll(".queue-item")) {
        seen.set(item.dataset.question, Number(item.dataset.event));
        decorate(item);
      }
      recount();
    } else if (frame.type === "queue_item") {
      if (stale(frame)) return;
      const item = fragment(frame.html);
      const existing = document.getElementById(item.id);
      if (existing) existing.replaceWith(item);
      else place(item);
      decorate(item);
      recount();
    } else if (frame.type === "queue_removed") {
      if (stale(frame)) return;
      document.getElementById(`queue-item-${frame.id}`)?.remove();
      recount();
    }
  }

  for (const item of page.querySelectorAll(".queue-item")) {
    seen.set(item.dataset.question, Number(item.dataset.event));
    decorate(item);
  }
  setInterval(refreshWaiting, 60000);
  new LiveSocket({
    path: "/ws/queue/",
    status: document.getElementById("connection"),
    what: "queue",
    onFrame: handle,
  }).start();
})();
