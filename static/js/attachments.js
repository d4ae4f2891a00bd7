// Files in the composer: attached by the button, by dropping them on a composer or by pasting
// them into it. Each is uploaded at once (the server reads its kind from the content, checks
// its size and answers its preview); the message then carries their ids (room.js asks
// attachmentsOf(form) when it sends). A refused file says why; the text typed stays.
// Also here: a message's image opens full size in a dialog.
"use strict";

(() => {
  const room = document.getElementById("room");
  if (!room) return;

  const csrf = () => {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch {
      return "";
    }
  };
  const humanSize = (n) =>
    n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, "")} MB`;
  const boxOf = (form) => form?.querySelector(".composer-files");
  const chips = (form) => [...(boxOf(form)?.querySelectorAll(".attach-chip") || [])];

  function showError(form, text) {
    const error = form.querySelector(".composer-error, #composer-error");
    if (error) error.textContent = text;
  }

  // A message of files alone may have no text: the textarea is required only without files.
  function refresh(form) {
    const textarea = form.querySelector("textarea");
    if (textarea) textarea.required = chips(form).length === 0;
  }

  function addChip(form, file) {
    const chip = document.createElement("li");
    chip.className = "attach-chip";
    chip.dataset.state = "uploading";
    const name = document.createElement("span");
    name.className = "attach-name";
    name.textContent = file.name;
    const state = document.createElement("span");
    state.className = "attach-state muted";
    state.textContent = "Uploading…";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button small icon attach-remove";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove ${file.name}`);
    chip.append(name, state, remove);
    boxOf(form).querySelector(".attach-tray").append(chip);
    refresh(form);
    return chip;
  }

  async function upload(form, file) {
    const box = boxOf(form);
    if (!box) return;
    const max = Number(box.dataset.maxBytes);
    if (max && file.size > max) {   // the server refuses it too; this saves sending it
      showError(form, `Not attached: ${file.name} is ${humanSize(file.size)}; a file is at most ${humanSize(max)}.`);
      return;
    }
    const chip = addChip(form, file);
    const body = new FormData();
    body.append("file", file, file.name);
    let response = null;
    let data = null;
    try {
      response = await fetch(box.dataset.uploadUrl, {
        method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrf() },
      });
      data = await response.json();
    } catch {
      data = null;
    }
    if (!chip.isConnected) return;   // removed while it was uploading
    if (!response?.ok || !data?.id) {
      chip.remove();
      refresh(form);
      showError(form, data?.error || `Not attached: ${file.name} could not be uploaded${response ? ` (error ${response.status})` : " (no connection)"}. Try again.`);
      return;
    }
    chip.dataset.state = "ready";
    chip.dataset.id = data.id;
    chip.querySelector(".attach-state").textContent = humanSize(data.size);
    if (data.image) {
      const image = document.createElement("img");
      image.src = data.thumbnail_url;
      image.alt = "";
      image.className = "attach-preview";
      chip.prepend(image);
    }
  }

  function uploadAll(form, fileList) {
    const files = [...fileList];
    if (!files.length || !boxOf(form)) return;
    showError(form, "");
    for (const file of files) upload(form, file);
  }

  // With JavaScript, files go up one at a time as they are chosen: the input hides behind the
  // Attach button (app.css, html.js; also in thread panels drawn later), and is emptied once
  // read, so its files never go with a form's POST. Without it, the input is the control.
  document.documentElement.classList.add("js");
  for (const box of room.querySelectorAll(".composer-files")) refresh(box.closest("form"));

  // What room.js sends with the message, and what it clears once sent.
  window.NexusLive = Object.assign(window.NexusLive || {}, {
    attachmentsOf(form) {
      const all = chips(form);
      return {
        ids: all.filter((chip) => chip.dataset.state === "ready").map((chip) => Number(chip.dataset.id)),
        uploading: all.filter((chip) => chip.dataset.state === "uploading").length,
      };
    },
    clearAttachments(form) {
      for (const chip of chips(form)) chip.remove();
      refresh(form);
    },
  });

  room.addEventListener("click", (event) => {
    const attach = event.target.closest(".attach-button");
    if (attach) {
      attach.closest(".composer-files").querySelector(".attach-input").click();
      return;
    }
    const remove = event.target.closest(".attach-remove");
    if (remove) {
      const chip = remove.closest(".attach-chip");
      const form = chip.closest("form");
      if (chip.dataset.id) {
        fetch(`${boxOf(form).dataset.uploadUrl}/${chip.dataset.id}/remove`, {
          method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() },
        }).catch(() => {});   // an upload never sent is removed after a day anyway
      }
      chip.remove();
      refresh(form);
      form.querySelector("textarea")?.focus();
      return;
    }
    const open = event.target.closest("a.attachment-open");
    if (open && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      showImage(open.dataset.full, open.dataset.name);
    }
  });

  room.addEventListener("change", (event) => {
    const input = event.target;
    if (!input.matches?.(".attach-input")) return;
    uploadAll(input.closest("form"), input.files);
    input.value = "";
  });

  // Pasting files (a screenshot) into a composer attaches them; text on the clipboard as well
  // is pasted as usual.
  room.addEventListener("paste", (event) => {
    const textarea = event.target;
    if (!textarea.matches?.("form.composer textarea")) return;
    const files = [...(event.clipboardData?.files || [])];
    if (!files.length) return;
    if (!event.clipboardData.getData("text/plain")) event.preventDefault();
    uploadAll(textarea.form, files);
  });

  // Dropping files anywhere in the room attaches them to the composer under the pointer (a
  // thread's), else the room's.
  const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  const formFor = (target) =>
    target.closest?.("form.composer") || target.closest?.(".thread")?.querySelector("form.composer") || document.getElementById("composer");
  let dropTarget = null;
  function markDrop(form) {
    if (dropTarget === form) return;
    dropTarget?.classList.remove("drop-target");
    dropTarget = form;
    dropTarget?.classList.add("drop-target");
  }
  room.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    const form = formFor(event.target);
    if (!form || !boxOf(form)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    markDrop(form);
  });
  room.addEventListener("dragleave", (event) => {
    if (!room.contains(event.relatedTarget)) markDrop(null);
  });
  room.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) return;
    const form = formFor(event.target);
    markDrop(null);
    if (!form || !boxOf(form)) return;
    event.preventDefault();
    uploadAll(form, event.dataTransfer.files);
  });

  // An image full size, in a dialog (Escape or Close shuts it; the link opens it in a tab).
  let viewer = null;
  function showImage(url, name) {
    if (!viewer) {
      viewer = document.createElement("dialog");
      viewer.className = "image-viewer";
      const head = document.createElement("div");
      head.className = "image-viewer-head";
      const title = document.createElement("a");
      title.className = "image-viewer-name";
      title.target = "_blank";
      title.rel = "noopener";
      const close = document.createElement("button");
      close.type = "button";
      close.className = "button small";
      close.textContent = "Close";
      close.addEventListener("click", () => viewer.close());
      head.append(title, close);
      const image = document.createElement("img");
      viewer.append(head, image);
      viewer.addEventListener("click", (event) => {
        if (event.target === viewer) viewer.close();   // the backdrop
      });
      document.body.append(viewer);
    }
    viewer.querySelector("img").src = url;
    viewer.querySelector("img").alt = name || "";
    const title = viewer.querySelector(".image-viewer-name");
    title.href = url;
    title.textContent = name || "Image";
    viewer.setAttribute("aria-label", name || "Image");
    viewer.showModal();
  }
})();
