// A refused or failed htmx request says why beside the control that sent it: a 4xx never
// replaces the page. The server marks its short error fragments with X-Inline-Error
// (nexus_live/errors.py) and their words are shown; any other failure gets a plain sentence.
"use strict";

(() => {
  const OFFLINE = "Could not reach the server. Check your connection and try again.";
  // In development django-htmx replaces the whole page with an error response (to show
  // Django's debug page): not for ours nor for any 4xx; a 500's traceback still shows there.
  const debugOverlay = () => document.querySelector("script[data-debug='True']") !== null;
  const marked = (xhr) => xhr.getResponseHeader("X-Inline-Error") === "true";

  function generic(status) {
    if (status === 429) return "Too many requests: wait a moment and try again.";
    if (status >= 500) return "Something went wrong on our side; it is logged. Try again in a moment.";
    if (status === 403) return "You may not do that here.";
    if (status === 404) return "This is gone, or it is not yours to see. Reload the page.";
    return "That did not work. Reload the page and try again.";
  }

  // The words of a fragment, never its markup (a template's content is inert: nothing loads).
  function textOf(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content.textContent.trim().replace(/\s+/g, " ");
  }

  const controlOf = (elt) => elt.closest("form") || elt;

  // After the control (kept until its next request); for a control nobody sees (a request
  // made on load), the page's message area at the top.
  function say(elt, text) {
    const control = controlOf(elt);
    let area;
    if (control.getClientRects().length === 0) {
      area = document.createElement("p");
      area.className = "flash-error";
      document.getElementById("flash")?.append(area);
    } else {
      area = control.nextElementSibling;
      if (!area?.matches(".inline-error[data-for-request]")) {
        area = document.createElement("p");
        area.className = "inline-error";
        area.dataset.forRequest = "";
        area.setAttribute("role", "alert");
        control.after(area);
      }
    }
    area.textContent = text;
  }

  document.addEventListener("htmx:beforeOnLoad", (event) => {
    const xhr = event.detail.xhr;
    if (xhr.status < 400) return;
    if (xhr.status < 500 || marked(xhr) || !debugOverlay()) event.stopPropagation();
  }, true);   // capture: before django-htmx's listener on the document

  document.addEventListener("htmx:beforeRequest", (event) => {
    const next = controlOf(event.detail.elt).nextElementSibling;
    if (next?.matches(".inline-error[data-for-request]")) next.remove();
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (xhr.status < 400) return;
    event.detail.shouldSwap = false;
    say(event.detail.requestConfig?.elt || event.detail.elt, (marked(xhr) && textOf(xhr.responseText)) || generic(xhr.status));
  });

  document.addEventListener("htmx:sendError", (event) => say(event.detail.elt, OFFLINE));
})();
