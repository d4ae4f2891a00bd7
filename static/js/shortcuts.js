// Keyboard shortcuts: a small registry that pages fill (board.js: n, /, e, j, k, Esc) and a
// "?" dialog that lists them. Keys never fire while someone types in a field.
"use strict";

(() => {
  const shortcuts = [];   // {key, label, description, run}
  let dialog = null;
  let openedFrom = null;

  function typing(target) {
    if (!(target instanceof Element)) return false;
    return target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']") !== null;
  }

  function register(key, description, run, label = key) {
    shortcuts.push({ key, label, description, run });
  }

  function buildDialog() {
    const title = document.createElement("h2");
    title.id = "shortcuts-title";
    title.textContent = "Keyboard shortcuts";
    const list = document.createElement("dl");
    list.className = "shortcuts-list";
    for (const shortcut of [...shortcuts, { label: "?", description: "Show this list" }]) {
      const term = document.createElement("dt");
      const kbd = document.createElement("kbd");
      kbd.textContent = shortcut.label;
      term.append(kbd);
      const what = document.createElement("dd");
      what.textContent = shortcut.description;
      list.append(term, what);
    }
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = "Not while typing in a field. Esc closes this list.";
    dialog = window.NexusLive.dialog({
      className: "shortcuts-dialog", labelledBy: "shortcuts-title", head: [title], body: [list, note],
    });
    dialog.addEventListener("close", () => openedFrom?.focus?.());
  }

  function showHelp() {
    if (!dialog) buildDialog();
    if (dialog.open) return;
    openedFrom = document.activeElement;
    dialog.showModal();
    dialog.querySelector("button").focus();
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (dialog?.open || typing(event.target)) return;
    if (event.key === "?") {
      event.preventDefault();
      showHelp();
      return;
    }
    const shortcut = shortcuts.find((each) => each.key === event.key);
    if (shortcut && shortcut.run(event) !== false) event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-show-shortcuts]")) showHelp();
  });

  window.NexusShortcuts = { register, showHelp, list: () => shortcuts.map(({ key, description }) => ({ key, description })) };
})();
