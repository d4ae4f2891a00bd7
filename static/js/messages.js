// How a list of messages reads, in this browser: times and days in its time zone, consecutive
// messages of one author grouped under one header, a day separator between days, the messages
// that mention me marked, long ones folded. The server renders every message once for all
// recipients; what depends on the reader (their time zone, who "me" is) is decided here.
"use strict";

(() => {
  const GROUP_MINUTES = 5;   // a message within this of the one above, same author: no header
  const FOLD_PX = 320;       // taller than this: folded, with "Show more"
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
  const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
  const yearFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "long" });

  const dayKey = (date) => `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;

  function dayLabel(date) {
    const today = new Date();
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (dayKey(date) === dayKey(today)) return "Today";
    if (dayKey(date) === dayKey(yesterday)) return "Yesterday";
    return date.getFullYear() === today.getFullYear() ? dayFormat.format(date) : yearFormat.format(date);
  }

  function createdAt(item) {
    const time = item.querySelector(":scope > .message-meta time[datetime]");
    const date = time ? new Date(time.getAttribute("datetime")) : null;
    return date && !Number.isNaN(date.getTime()) ? date : null;
  }

  function localTimes(item) {
    for (const time of item.querySelectorAll("time[datetime]:not([data-local])")) {
      const date = new Date(time.getAttribute("datetime"));
      if (Number.isNaN(date.getTime())) continue;
      time.textContent = timeFormat.format(date);
      time.title = fullFormat.format(date);
      time.dataset.local = "true";
    }
  }

  // "@alice" or "@Alice Martin" as the server resolves mentions: the start of the email or the
  // display name, whole word.
  function mentionsOf(handles) {
    const names = handles.filter(Boolean).map((handle) => handle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return names.length ? new RegExp(`(^|[^\\w])@(${names.join("|")})(?![\\w])`, "i") : null;
  }

  function fold(item) {
    const body = item.querySelector(":scope > .body");
    if (!body || item.querySelector(":scope > .show-more")) return;
    if (body.scrollHeight <= FOLD_PX * 1.25) return;   // a little over: not worth a click
    body.classList.add("folded");
    const more = document.createElement("button");
    more.type = "button";
    more.className = "button small show-more";
    more.textContent = "Show more";
    more.setAttribute("aria-expanded", "false");
    more.addEventListener("click", () => {
      const folded = body.classList.toggle("folded");
      more.textContent = folded ? "Show more" : "Show less";
      more.setAttribute("aria-expanded", String(!folded));
    });
    body.after(more);
  }

  // Lay out one list (the timeline or a thread): called on load and after every change to it.
  function decorate(list, { mentions } = {}) {
    if (!list) return;
    for (const separator of list.querySelectorAll(":scope > li.day-separator")) separator.remove();
    let previous = null;
    // A thread's replies follow its question (a list of its own just above): its day is said once.
    const root = list.classList.contains("thread-replies")
      ? list.parentElement?.querySelector(":scope > ol.thread-root > li.message") : null;
    const rootDate = root && createdAt(root);
    let previousDay = rootDate ? dayKey(rootDate) : null;
    for (const item of list.querySelectorAll(":scope > li")) {
      if (!item.classList.contains("message") || item.classList.contains("pending")) {
        previous = null;   // "New since your last visit" or a message on its way: a new header
        continue;
      }
      localTimes(item);
      const date = createdAt(item);
      if (date && dayKey(date) !== previousDay) {
        const separator = document.createElement("li");
        separator.className = "day-separator";
        // A list item that says the day (role=separator would leave the list invalid: axe)
        const label = document.createElement("span");
        label.textContent = dayLabel(date);
        separator.append(label);
        item.before(separator);
        previousDay = dayKey(date);
        previous = null;
      }
      const grouped = Boolean(previous && date && previous.date
        && previous.item.dataset.author === item.dataset.author
        && !item.classList.contains("deleted") && !previous.item.classList.contains("deleted")
        && date - previous.date < GROUP_MINUTES * 60 * 1000);
      item.classList.toggle("grouped", grouped);
      if (mentions && !item.classList.contains("deleted")) {
        item.classList.toggle("mentions-me", mentions.test(item.querySelector(":scope > .body")?.textContent || ""));
      }
      fold(item);
      previous = { item, date };
    }
  }

  window.NexusLive = Object.assign(window.NexusLive || {}, { decorate, mentionsOf });
})();
