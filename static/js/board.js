// A live board: cards arrive rendered by the server and are placed where the server says;
// an open editor is never overwritten by someone else's change — its draft stays, and the
// save names the version it started from so the server merges instead of overwriting.
"use strict";

(() => {
  const page = document.getElementById("board-page");
  if (!page) return;
  const editorPanel = document.getElementById("card-editor");
  const me = page.dataset.user;
  const { fragment, LiveSocket, turnOff } = window.NexusLive;
  // Board events number every change; the page was rendered at data-event.
  let boardEvent = Number(page.dataset.event || 0);   // the columns as rendered at this event
  const cardEvent = new Map();   // card id -> event of the newest frame applied
  const live = new LiveSocket({
    path: `/ws/boards/${page.dataset.board}/`,
    since: boardEvent,
    status: document.getElementById("connection"),
    what: "board",
    onFrame: handle,
    onStop: (state, text) => turnOff(page, text),   // signed out or no access: nothing saves
  });
  const send = (frame) => live.send(frame);

  function openEditor(cardId) {
    return editorPanel?.querySelector(`.editor[data-card="${cardId}"]`);
  }

  function notice(cardId, text) {
    const editor = openEditor(cardId);
    const line = editor?.querySelector(".editor-notice");
    if (line) line.textContent = text;
  }

  function reorder(order) {
    for (const [columnId, ids] of Object.entries(order || {})) {
      const list = document.getElementById(`column-${columnId}-cards`);
      if (!list) continue;
      for (const id of ids) {
        const tile = document.getElementById(`card-${id}`);
        if (tile) list.append(tile);
      }
    }
    recount();
  }

  // Every column's count, after the tiles are where they go: a move takes a tile out of one
  // column and into another, so counting each column as it is reordered would be stale.
  function recount() {
    for (const list of document.querySelectorAll(".column-cards")) {
      const count = document.querySelector(`#column-${list.dataset.column} .count`);
      if (count) count.textContent = String(list.querySelectorAll(":scope > .card").length);
    }
  }

  // Owners' controls come in every columns frame (one fragment for everyone): not here.
  function dropManagerOnly(root) {
    if (page.dataset.canManage === "true") return;
    for (const element of root.querySelectorAll(".manager-only")) element.remove();
  }

  // An editor nobody typed in shows the card as it is now: no draft to keep.
  function untouched(editor) {
    const form = editor.querySelector("form.card-form");
    return !form || form.initial === JSON.stringify(fieldValues(form));
  }

  function applyCard(frame) {
    if ((cardEvent.get(frame.id) || boardEvent) > frame.event) return;  // an older frame came late
    cardEvent.set(frame.id, frame.event);
    const existing = document.getElementById(`card-${frame.id}`);
    if (frame.archived) {
      existing?.remove();
    } else {
      const tile = fragment(frame.html);
      const list = document.getElementById(`column-${frame.column}-cards`);
      if (existing) existing.replaceWith(tile);
      else if (list && page.dataset.live === "true") list.append(tile);
    }
    reorder(frame.order);
    if (frame.archived) recount();
    const editor = openEditor(frame.id);
    if (editor && Number(frame.version) > Number(editor.dataset.version) && frame.by) {
      if (untouched(editor)) {
        const url = editor.querySelector("a[href*='/cards/']")?.getAttribute("href");
        const focused = document.activeElement?.id;
        loadEditor(frame.id, url, { focus: false }).then((fresh) => {
          if (!fresh) return;
          if (focused) document.getElementById(focused)?.focus();
          notice(frame.id, `${frame.by} changed this card: this is version ${frame.version}.`);
        });
      } else {
        notice(frame.id, `${frame.by} changed this card (now version ${frame.version}). Your draft is kept; saving merges with their change.`);
      }
    }
  }

  function handle(frame) {
    switch (frame.type) {
      case "card":
        applyCard(frame);
        live.saw(frame.event);
        break;
      case "board": {
        const newest = Math.max(0, ...cardEvent.values());
        if (frame.event < newest) {
          // Columns rendered before a card change we already show: ask for the board as it is now.
          live.sync(frame.event - 1);
        } else {
          const board = fragment(frame.html);
          if (board) {
            dropManagerOnly(board);
            document.getElementById("board")?.replaceWith(board);
          }
          boardEvent = frame.event;
          cardEvent.clear();
        }
        live.saw(frame.event);
        break;
      }
      case "saved":
        savedCard(frame);
        break;
      case "comment":
        addComment(frame);
        live.saw(frame.event);
        break;
      case "comment_edited":
        replaceComment(frame);
        live.saw(frame.event);
        break;
      case "comment_deleted":
        removeComment(frame);
        live.saw(frame.event);
        break;
      case "editing":
        if (String(frame.user) !== me) showEditing(frame);
        break;
      case "presence":
        window.NexusLive.applyPresence(frame);
        break;
      case "error": {
        const editor = frame.card ? openEditor(frame.card) : null;
        const slot = frame.action === "comment" ? ".comment-error" : ".editor-error";
        const own = frame.comment ? document.querySelector(`#comment-${frame.comment} .comment-edit-error`) : null;
        const target = own || editor?.querySelector(slot) || document.getElementById("flash");
        if (target) target.textContent = frame.message;
        break;
      }
      default:
        break;
    }
  }

  // A comment, live for everyone watching: under the card's editor when it is open (the
  // sender's own text leaves the box only once it is stored).
  function addComment(frame) {
    const list = document.getElementById(`comments-${frame.card}`);
    if (!list || document.getElementById(`comment-${frame.id}`)) return;
    const comment = fragment(frame.html);
    markMentions(comment);
    list.append(comment);
    list.parentElement.querySelector(".no-comments")?.setAttribute("hidden", "");
    if (String(frame.data?.author?.id) === me) {
      const form = list.parentElement.querySelector("form.comment-form");
      const box = form?.querySelector("textarea");
      if (box && box.value.trim() === frame.data.body) box.value = "";
      const error = form?.querySelector(".comment-error");
      if (error) error.textContent = "";
    }
  }

  // A comment's new text: the copy shown is replaced (someone else's edit box open on it
  // stays open). One never shown (caught up after a reconnect) is added.
  function replaceComment(frame) {
    const old = document.getElementById(`comment-${frame.id}`);
    if (!old) {
      addComment(frame);
      return;
    }
    const open = old.querySelector("form.comment-edit-form:not([hidden])");
    if (open && String(frame.data?.author?.id) !== me) return;
    const comment = fragment(frame.html);
    markMentions(comment);
    old.replaceWith(comment);
  }

  function removeComment(frame) {
    const old = document.getElementById(`comment-${frame.id}`);
    if (!old) return;
    const list = old.parentElement;
    old.remove();
    if (!list.querySelector(".comment")) list.parentElement.querySelector(".no-comments")?.removeAttribute("hidden");
  }

  // One fragment for everyone: the comments that mention this person are marked here, and
  // the author (edit, delete) and the board's managers (delete) get their buttons.
  function markMentions(root) {
    const comments = root.matches?.(".comment") ? [root] : root.querySelectorAll(".comment");
    const canEdit = page.dataset.canEdit === "true";
    const canManage = page.dataset.canManage === "true";
    for (const comment of comments) {
      if ((comment.dataset.mentions || "").split(" ").includes(me)) comment.classList.add("mentions-me");
      const mine = comment.dataset.author === me && canEdit;
      const edit = comment.querySelector("[data-comment-edit]");
      const remove = comment.querySelector("[data-comment-delete]");
      if (edit) edit.hidden = !mine;
      if (remove) remove.hidden = !(mine || canManage);
      const tools = comment.querySelector(".comment-tools");
      if (tools) tools.hidden = !(mine || canManage);
    }
  }
  markMentions(page);

  page.addEventListener("click", (event) => {
    const comment = event.target.closest(".comment");
    if (!comment) return;
    const form = comment.querySelector("form.comment-edit-form");
    if (event.target.closest("[data-comment-edit]") && form) {
      form.hidden = false;
      comment.querySelector(".comment-body").hidden = true;
      form.querySelector("textarea").focus();
    } else if (event.target.closest("[data-comment-cancel]") && form) {
      form.hidden = true;
      comment.querySelector(".comment-body").hidden = false;
    } else if (event.target.closest("[data-comment-delete]")) {
      if (window.confirm("Delete this comment?")) {
        send({ action: "delete_comment", card: Number(form?.dataset.card), comment: Number(comment.dataset.comment) });
      }
    }
  });

  page.addEventListener("submit", (event) => {
    const form = event.target.closest("form.comment-edit-form");
    if (!form) return;
    event.preventDefault();
    const body = form.querySelector("textarea").value.trim();
    const error = form.querySelector(".comment-edit-error");
    if (!body) {
      error.textContent = "Write something, or delete the comment.";
      return;
    }
    if (!send({ action: "edit_comment", card: Number(form.dataset.card), comment: Number(form.dataset.comment), body })) {
      error.textContent = "Not connected: try again in a moment.";
    }
  });

  const editingTimers = new Map();
  function showEditing(frame) {
    const text = `${frame.name} is editing ${frame.field}`;
    const slot = document.querySelector(`[data-editing-for="${frame.card}"]`);
    if (slot) slot.textContent = text;
    const editor = openEditor(frame.card);
    const line = editor?.querySelector(".editor-notice");
    if (line && !line.textContent.includes("changed this card")) line.textContent = text;
    clearTimeout(editingTimers.get(frame.card));
    editingTimers.set(frame.card, setTimeout(() => {
      if (slot) slot.textContent = "";
      if (line && line.textContent === text) line.textContent = "";
    }, 8000));
  }

  // --- The editor -------------------------------------------------------------------------

  function fieldValues(form) {
    const values = {};
    for (const element of form.querySelectorAll("[data-field]")) {
      const name = element.dataset.field;
      if (name === "assignees" || name === "labels") {
        values[name] = [...element.querySelectorAll("input:checked")].map((box) => Number(box.value)).sort((a, b) => a - b);
      } else if (name === "tags") {
        values.tags = element.value.split(",").map((tag) => tag.trim()).filter(Boolean);
      } else {
        values[name] = element.value.replace(/\r\n/g, "\n");
      }
    }
    return values;
  }

  function prepareEditor(editor, { focus = true } = {}) {
    const form = editor.querySelector("form.card-form");
    if (form) form.initial = JSON.stringify(fieldValues(form));
    if (focus) editor.querySelector("input, textarea")?.focus();
    markMentions(editor);
  }

  // A refusal (403, 404, 400) said where the person looks, never a blank page swapped in.
  function refused(text) {
    const flash = document.getElementById("flash");
    if (!flash) return;
    const line = document.createElement("p");
    line.className = "flash-error";
    line.setAttribute("role", "alert");
    line.textContent = text;
    flash.replaceChildren(line);
  }
  document.body.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    const text = (xhr.getResponseHeader("Content-Type") || "").startsWith("text/plain") && xhr.responseText
      ? xhr.responseText : `That was refused (${xhr.status}).`;
    refused(text);
  });

  // On a phone the editor sits below every column: bring it to the reader (on a desktop it is
  // already beside the board, and nothing moves).
  function showEditor(editor) {
    const top = editor.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight - 80) editor.scrollIntoView({ block: "start" });
  }

  async function loadEditor(cardId, url, { focus = true } = {}) {
    let response;
    try {
      response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    } catch {
      refused("The card could not be loaded: check the connection and try again.");
      return;
    }
    if (!response.ok) {
      refused(response.status === 404 ? "That card is gone, or no longer yours to see." : `The card could not be loaded (${response.status}).`);
      return;
    }
    const editor = fragment(await response.text());
    editorPanel.replaceChildren(editor);
    editorPanel.hidden = false;
    page.classList.add("editor-open");
    if (live.stopped) turnOff(editor, live.stoppedText);
    prepareEditor(editor, { focus });
    return editor;
  }

  function closeEditor() {
    if (document.querySelector(".card-page")) {   // the standalone card page: back to its board
      window.location.assign(page.dataset.boardUrl);
      return;
    }
    const open = editorPanel.querySelector(".editor")?.dataset.card;
    editorPanel.hidden = true;
    editorPanel.replaceChildren();
    page.classList.remove("editor-open");
    if (open) document.querySelector(`#card-${open} .card-title`)?.focus();
  }
  window.NexusLive.board = { closeEditor, isEditorOpen: () => !editorPanel.hidden && !!editorPanel.querySelector(".editor") };

  function savedCard(frame) {
    const editor = openEditor(frame.card);
    if (!editor) return;
    const url = editor.querySelector("a[href*='/cards/']")?.getAttribute("href");
    loadEditor(frame.card, url).then(() => {
      const text = frame.conflicts.length
        ? `Saved, but you both changed ${frame.conflicts.join(", ")} at the same place: both texts are kept between <<<<<<< and >>>>>>>. Keep what is right and save again.`
        : frame.merged ? "Saved and merged with the changes made meanwhile." : "Saved.";
      notice(frame.card, text);
    });
  }

  page.addEventListener("submit", (event) => {
    const form = event.target.closest("form.comment-form");
    if (!form) return;
    const body = form.querySelector("textarea").value.trim();
    if (!body) {
      event.preventDefault();
      form.querySelector(".comment-error").textContent = "Write something first.";
      return;
    }
    if (send({ action: "comment", card: Number(form.dataset.card), body })) event.preventDefault();
    // Without a socket the form posts over HTTP: the same action.
  });

  page.addEventListener("submit", (event) => {
    const form = event.target.closest("form.card-form");
    if (!form) return;
    const now = fieldValues(form);
    const before = JSON.parse(form.initial || "{}");
    const fields = Object.fromEntries(Object.entries(now).filter(([name, value]) => JSON.stringify(value) !== JSON.stringify(before[name])));
    const version = Number(form.querySelector("[name=version]").value);
    if (Object.keys(fields).length === 0) {
      event.preventDefault();
      notice(Number(form.dataset.card), "Nothing changed.");
      return;
    }
    if (send({ action: "edit", card: Number(form.dataset.card), version, fields })) event.preventDefault();
    // Without a socket the form posts over HTTP: the same action, the same merge.
  });

  let lastEditing = 0;
  function announceEditing(event, quietMs) {   // "Ana is editing Solution", not on every key
    const field = event.target.closest("[data-field]");
    const form = event.target.closest("form.card-form");
    if (!field || !form || Date.now() - lastEditing < quietMs) return;
    lastEditing = Date.now();
    send({ action: "editing", card: Number(form.dataset.card), field: field.dataset.field });
  }
  page.addEventListener("focusin", (event) => announceEditing(event, 3000));
  page.addEventListener("input", (event) => announceEditing(event, 4000));

  // --- Moving cards: drag and drop, and buttons for keyboards and phones ---------------------

  function columnIds() {
    return [...document.querySelectorAll(".column-cards")].map((list) => Number(list.dataset.column));
  }

  function move(cardId, columnId, beforeId) {
    send({ action: "move", card: cardId, column: columnId, before: beforeId ?? null });
  }

  page.addEventListener("click", (event) => {
    const open = event.target.closest("[data-open-card]");
    if (open && editorPanel && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      loadEditor(Number(open.dataset.openCard), open.href).then((editor) => editor && showEditor(editor));
      return;
    }
    if (event.target.closest("[data-close-editor]") && editorPanel && page.dataset.board) {
      closeEditor();
      return;
    }
    const button = event.target.closest("[data-move]");
    if (!button) return;
    const tile = button.closest(".card");
    const cardId = Number(tile.dataset.card);
    const columns = columnIds();
    const here = Number(tile.dataset.column);
    const index = columns.indexOf(here);
    switch (button.dataset.move) {
      case "left":
        if (index > 0) move(cardId, columns[index - 1], null);
        break;
      case "right":
        if (index < columns.length - 1) move(cardId, columns[index + 1], null);
        break;
      case "up": {
        const previous = tile.previousElementSibling;
        if (previous) move(cardId, here, Number(previous.dataset.card));
        break;
      }
      case "down": {
        const next = tile.nextElementSibling;
        if (next) move(cardId, here, next.nextElementSibling ? Number(next.nextElementSibling.dataset.card) : null);
        break;
      }
      default:
        break;
    }
  });

  page.addEventListener("dragstart", (event) => {
    const tile = event.target.closest?.(".card");
    if (!tile) return;
    event.dataTransfer.setData("text/plain", tile.dataset.card);
    event.dataTransfer.effectAllowed = "move";
    tile.classList.add("dragging");
  });
  page.addEventListener("dragend", (event) => event.target.closest?.(".card")?.classList.remove("dragging"));
  page.addEventListener("dragover", (event) => {
    if (event.target.closest(".column")) event.preventDefault();
  });
  page.addEventListener("drop", (event) => {
    const column = event.target.closest(".column");
    if (!column) return;
    event.preventDefault();
    const cardId = Number(event.dataTransfer.getData("text/plain"));
    const list = column.querySelector(".column-cards");
    const before = [...list.querySelectorAll(".card")].find((tile) => {
      const box = tile.getBoundingClientRect();
      return Number(tile.dataset.card) !== cardId && event.clientY < box.top + box.height / 2;
    });
    move(cardId, Number(list.dataset.column), before ? Number(before.dataset.card) : null);
  });

  // --- Keyboard shortcuts (static/js/shortcuts.js lists them under "?") ---------------------

  const tiles = () => [...document.querySelectorAll("#board .card")];
  const focusedTile = () => document.activeElement?.closest?.(".card");
  function focusTile(step) {
    const all = tiles();
    if (!all.length) return;
    const index = all.indexOf(focusedTile());
    const next = all[index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step))];
    next.querySelector(".card-title")?.focus();
  }
  const keys = window.NexusShortcuts;
  if (keys && !document.querySelector(".card-page")) {
    keys.register("n", "New card (in the focused card's column, else the first)", () => {
      if (page.dataset.canEdit !== "true") return false;
      const column = focusedTile()?.closest(".column") || document.querySelector("#board .column");
      const input = column?.querySelector(".add-card input[name=title]");
      if (!input) return false;
      input.focus();
      input.scrollIntoView({ block: "nearest" });
    });
    keys.register("/", "Filter cards", () => {
      const box = document.getElementById("f-text");
      if (!box) return false;
      box.focus();
      box.select();
    });
    keys.register("j", "Next card", () => focusTile(1));
    keys.register("k", "Previous card", () => focusTile(-1));
    keys.register("e", "Open the focused card's editor", () => {
      const link = focusedTile()?.querySelector("[data-open-card]");
      if (!link) return false;
      loadEditor(Number(link.dataset.openCard), link.href).then((editor) => editor && showEditor(editor));
    });
    keys.register("Escape", "Close the card editor (from a field too, when nothing was typed)", () => {
      if (editorPanel.hidden) return false;
      closeEditor();
    }, "Esc");
    // In a field of an editor that holds no draft, Esc closes it too: nothing can be lost.
    editorPanel?.addEventListener("keydown", (event) => {
      const editor = editorPanel.querySelector(".editor");
      if (event.key !== "Escape" || !editor || !event.target.closest("input, textarea, select")) return;
      if (!untouched(editor) || editor.querySelector(".comment-form textarea")?.value) return;
      event.preventDefault();
      closeEditor();
    });
  }

  const standing = editorPanel?.querySelector(".editor");
  if (standing) prepareEditor(standing);
  if (page.dataset.live === "true") live.start();
})();
