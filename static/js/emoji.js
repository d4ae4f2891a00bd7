// The full emoji picker for reactions ("⋯" in a message's reaction palette): every emoji of
// emoji-picker-element-data (Unicode's list with names and keywords, served from
// static/vendor: `make assets`), by group, with search. ←↑→↓ move, Enter picks, Escape closes.
// The server checks that what is sent is one emoji (chat/actions/reactions.py).
"use strict";

(() => {
  const room = document.getElementById("room");
  const dataUrl = document.querySelector('meta[name="emoji-data"]')?.content;
  if (!room) return;

  // emojibase's groups; 2 (skin tones and hair) are parts of emoji, not emoji to react with.
  const GROUPS = ["Smileys & emotion", "People & body", null, "Animals & nature", "Food & drink",
    "Travel & places", "Activities", "Objects", "Symbols", "Flags"];
  let dialog = null;
  let messageId = null;
  let loading = null;

  function build() {
    const label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = "emoji-search";
    label.textContent = "Search emoji";
    const search = document.createElement("input");
    search.type = "search";
    search.id = "emoji-search";
    search.className = "emoji-search";
    search.placeholder = "Search emoji (e.g. party, cat, check)";
    search.autocomplete = "off";
    const grid = document.createElement("div");
    grid.className = "emoji-grid";
    const status = document.createElement("p");
    status.className = "emoji-status muted";
    status.setAttribute("role", "status");
    status.textContent = "Loading emoji…";
    dialog = window.NexusLive.dialog({
      className: "emoji-dialog", label: "Pick an emoji to react with",
      head: [label, search], body: [status, grid],
    });

    search.addEventListener("input", () => filter(search.value));
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        visible()[0]?.click();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        visible()[0]?.focus();
      }
    });
    grid.addEventListener("click", (event) => {
      const choice = event.target.closest("[data-pick]");
      if (!choice) return;
      window.NexusLive.roomSend?.({ action: "react", id: messageId, emoji: choice.dataset.pick });
      dialog.close();
    });
    grid.addEventListener("keydown", (event) => {
      const from = event.target.closest("[data-pick]");
      const next = from && move(from, event.key);
      if (next === undefined) return;
      event.preventDefault();
      (next || search).focus();
    });
    dialog.addEventListener("close", () => {
      document.querySelector(`#message-${messageId} details.react-picker`)?.removeAttribute("open");
      document.querySelector(`#message-${messageId}`)?.focus();
    });
  }

  async function fill() {
    const grid = dialog.querySelector(".emoji-grid");
    const status = dialog.querySelector(".emoji-status");
    try {
      if (!dataUrl) throw new Error("no list");
      const response = await fetch(dataUrl, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const emoji = await response.json();
      const sections = new Map();
      for (const entry of emoji) {
        const name = GROUPS[entry.group];
        if (!name) continue;
        if (!sections.has(name)) {
          const section = document.createElement("section");
          section.className = "emoji-group";
          const title = document.createElement("h3");
          title.textContent = name;
          const list = document.createElement("div");
          list.className = "emoji-choices";
          section.append(title, list);
          sections.set(name, section);
        }
        const choice = document.createElement("button");
        choice.type = "button";
        choice.className = "emoji-choice";
        choice.dataset.pick = entry.emoji;
        choice.dataset.search = [entry.annotation, ...(entry.tags || []), ...(entry.shortcodes || [])].join(" ").toLowerCase();
        choice.title = entry.annotation;
        choice.setAttribute("aria-label", entry.annotation);
        choice.textContent = entry.emoji;
        sections.get(name).querySelector(".emoji-choices").append(choice);
      }
      grid.replaceChildren(...sections.values());
      status.textContent = "";
    } catch {
      status.textContent = "The emoji list is not available here: use the reactions above.";
    }
  }

  const visible = () => [...dialog.querySelectorAll(".emoji-choice:not([hidden])")];

  function filter(text) {
    const words = text.toLowerCase().trim().split(/\s+/).filter(Boolean);
    for (const choice of dialog.querySelectorAll(".emoji-choice")) {
      choice.hidden = !words.every((word) => choice.dataset.search.includes(word));
    }
    for (const section of dialog.querySelectorAll(".emoji-group")) {
      section.hidden = !section.querySelector(".emoji-choice:not([hidden])");
    }
    const found = visible().length;
    dialog.querySelector(".emoji-status").textContent = words.length ? `${found} emoji found` : "";
  }

  // The next choice in the grid for an arrow key (null: back to the search; undefined: not ours).
  function move(from, key) {
    const all = visible();
    const index = all.indexOf(from);
    if (key === "ArrowRight") return all[index + 1] || from;
    if (key === "ArrowLeft") return index > 0 ? all[index - 1] : null;
    if (key !== "ArrowDown" && key !== "ArrowUp") return undefined;
    const here = from.getBoundingClientRect();
    const down = key === "ArrowDown";
    const row = (down ? all.slice(index + 1) : all.slice(0, index).reverse())
      .filter((choice) => (down ? choice.getBoundingClientRect().top > here.top + 2 : choice.getBoundingClientRect().top < here.top - 2));
    if (!row.length) return down ? from : null;
    const top = row[0].getBoundingClientRect().top;
    const sameRow = row.filter((choice) => Math.abs(choice.getBoundingClientRect().top - top) < 2);
    return sameRow.reduce((best, choice) =>
      Math.abs(choice.getBoundingClientRect().left - here.left) < Math.abs(best.getBoundingClientRect().left - here.left) ? choice : best);
  }

  room.addEventListener("click", (event) => {
    const more = event.target.closest("[data-emoji-more]");
    if (!more) return;
    messageId = Number(more.closest("li.message").id.replace("message-", ""));
    if (!dialog) build();
    loading ||= fill();
    const search = dialog.querySelector(".emoji-search");
    search.value = "";
    filter("");
    dialog.showModal();
    search.focus();
  });
})();
