// @mention suggestions in every composer of a room: typing @ lists the people who can see the
// room (asked of /rooms/<slug>/people, which checks that), ↑/↓ to choose, Enter or Tab to
// insert their handle, Escape to close. The menu is tributejs (static/vendor, `make assets`);
// without it the composer works as before, with no suggestions.
"use strict";

(() => {
  const room = document.getElementById("room");
  if (!room || typeof window.Tribute !== "function") return;

  const escape = (text) =>
    String(text).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
  let asked = 0;

  const tribute = new window.Tribute({
    trigger: "@",
    requireLeadingSpace: true,
    allowSpaces: false,
    menuShowMinLength: 0,
    lookup: (person) => `${person.name} ${person.handle}`,
    fillAttr: "handle",
    searchOpts: { skip: true },   // the server matched them already
    containerClass: "tribute-container mention-menu",
    itemClass: "mention-item",
    selectClass: "highlight",
    menuItemTemplate: (item) =>
      `<span class="mention-name">${escape(item.original.name)}</span> <span class="mention-handle">@${escape(item.original.handle)}</span>`,
    noMatchTemplate: () => '<li class="mention-none">Nobody of that name can see this room</li>',
    values(text, callback) {
      const form = tribute.current.element?.closest("form");
      const url = form?.querySelector(".composer-files")?.dataset.peopleUrl;
      if (!url) return callback([]);
      const ask = ++asked;
      fetch(`${url}?q=${encodeURIComponent(text)}`, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((data) => {
          if (ask === asked) callback(data.results || []);   // only the newest question's answer
        })
        .catch(() => callback([]));
    },
  });

  // Composers come and go (a thread opens in the panel): each gets the menu on first focus.
  room.addEventListener("focusin", (event) => {
    const textarea = event.target;
    if (!textarea.matches?.("form.composer textarea") || textarea.dataset.tribute) return;
    tribute.attach(textarea);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", "mention-options");
  });

  // What a screen reader needs (tributejs sets none of it): a listbox of options, the one
  // chosen named by the textarea's aria-activedescendant while the menu is open.
  let shownFor = null;
  function describe() {
    const menu = tribute.menu;
    const list = menu?.querySelector("ul");
    if (!list) return;
    list.id = "mention-options";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "People to mention");
    const open = tribute.isActive && menu.style.display !== "none";
    let chosen = null;
    list.querySelectorAll("li").forEach((item, index) => {
      item.id = `mention-option-${index}`;
      item.setAttribute("role", "option");
      const selected = item.classList.contains("highlight");
      item.setAttribute("aria-selected", String(selected));
      if (selected) chosen = item.id;
    });
    if (tribute.current.element) shownFor = tribute.current.element;   // hiding forgets it
    if (open && chosen) shownFor?.setAttribute("aria-activedescendant", chosen);
    else shownFor?.removeAttribute("aria-activedescendant");
  }
  const watch = new MutationObserver(describe);
  new MutationObserver(() => {
    if (!tribute.menu || tribute.menu.dataset.watched) return;
    tribute.menu.dataset.watched = "true";
    watch.observe(tribute.menu, { subtree: true, childList: true, attributes: true, attributeFilter: ["class", "style"] });
    describe();
  }).observe(document.body, { childList: true });
})();
