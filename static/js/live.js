// One live socket for every page (rooms, boards, the navigation's counts): it connects with
// `since`, keeps count of the events it has applied (a hole → `sync`), notices a stalled
// connection by its heartbeat, reconnects with backoff and jitter behind a visible countdown
// with "Reconnect now", and understands the server's close codes (4401, 4403, 1012).
"use strict";

(() => {
  const PROBE_AFTER_MS = 4000;     // quiet this long: ask the server whether it is there
  const HEARTBEAT_MS = 15000;      // ping at least this often (renews presence on the server)
  const STALLED_AFTER_MS = 9000;   // nothing heard this long: the connection is dead
  const GAP_WAIT_MS = 1500;        // a frame missing this long is asked for again

  // Numbers applied so far: every one up to `upTo`, and some beyond it.
  class Contiguous {
    constructor(start) {
      this.upTo = start;
      this.highest = start;
      this.ahead = new Set();
    }

    add(n) {
      if (n > this.upTo) this.ahead.add(n);
      this.highest = Math.max(this.highest, n);
      while (this.ahead.delete(this.upTo + 1)) this.upTo += 1;
    }

    fill(n) {   // everything up to n is known (a catch-up said so)
      if (n > this.upTo) this.upTo = n;
      this.highest = Math.max(this.highest, n);
      for (const each of this.ahead) if (each <= this.upTo) this.ahead.delete(each);
      while (this.ahead.delete(this.upTo + 1)) this.upTo += 1;
    }

    get gap() {
      return this.highest > this.upTo;
    }
  }

  class LiveSocket {
    // path: the socket's path; since: the event the page was rendered at (null: no events);
    // status: the element that says "Live"; what: "room", "board" (for messages);
    // onFrame(frame): everything the socket does not handle itself.
    // onStop(state, text): the socket gave up for good (signed out, no access).
    constructor({ path, since = null, status = null, what = "page", onFrame = () => {}, onReset = null, onStop = () => {} }) {
      this.path = path;
      this.events = since === null ? null : new Contiguous(Number(since));
      this.status = status;
      this.what = what;
      this.onFrame = onFrame;
      this.onReset = onReset || (() => window.location.reload());
      this.onStop = onStop;
      this.socket = null;
      this.attempt = 0;
      this.retryTimer = null;
      this.countdown = null;
      this.gapTimer = null;
      this.lastHeard = 0;
      this.lastPing = 0;
      this.signedOutOnce = false;
      this.stopped = false;
      this.reconnectButton = null;
      setInterval(() => this.tick(), 1000);
      window.addEventListener("online", () => this.reconnectNow());
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") this.reconnectNow();
      });
    }

    get open() {
      return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
    }

    send(frame) {
      if (!this.open) return false;
      this.socket.send(JSON.stringify(frame));
      if (frame.action === "ping" || frame.action === "sync") this.lastPing = Date.now();
      return true;
    }

    setState(state, text) {
      if (!this.status) return;
      this.status.dataset.state = state;
      this.status.textContent = text;
      if (this.reconnectButton) this.reconnectButton.hidden = state !== "reconnecting";
    }

    button() {   // "Reconnect now", beside the status line
      if (this.reconnectButton || !this.status) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button small reconnect-now";
      button.textContent = "Reconnect now";
      button.hidden = true;
      button.addEventListener("click", () => this.reconnectNow());
      this.status.after(button);
      this.reconnectButton = button;
    }

    start() {
      this.button();
      this.connect();
    }

    connect() {
      clearTimeout(this.retryTimer);
      clearInterval(this.countdown);
      this.retryTimer = this.countdown = null;
      if (this.stopped) return;
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      const query = this.events ? `?since=${this.events.upTo}` : "";
      this.setState(this.attempt ? "reconnecting" : "connecting", this.attempt ? "Reconnecting…" : "Connecting…");
      const socket = new WebSocket(`${scheme}://${window.location.host}${this.path}${query}`);
      this.socket = socket;
      socket.addEventListener("open", () => {
        this.lastHeard = Date.now();
      });
      socket.addEventListener("message", (event) => {
        if (socket !== this.socket) return;
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch {
          return;
        }
        this.heard();
        this.handle(frame);
      });
      socket.addEventListener("close", (event) => {
        if (socket === this.socket) this.closed(event.code);
      });
    }

    heard() {
      this.lastHeard = Date.now();
      if (this.status?.dataset.state !== "live") {
        this.attempt = 0;
        this.signedOutOnce = false;
        this.setState("live", "Live");
      }
    }

    handle(frame) {
      const events = this.events;
      switch (frame.type) {
        case "pong":
          if (events && frame.event > events.upTo) this.sync();
          return;
        case "synced":
          if (events) events.fill(frame.event);
          break;
        case "reset":   // too far behind to catch up frame by frame
          this.onFrame(frame);
          this.onReset();
          return;
        case "error":
          if (frame.action === "sync") {   // too many syncs: the hole is asked for later
            if (frame.code === "rate_limited") setTimeout(() => this.sync(), frame.retry_after * 1000);
            return;
          }
          break;
        default:
          break;
      }
      this.onFrame(frame);
    }

    // The caller applied a frame numbered `event` (or learnt one is due: an ack).
    saw(event) {
      if (!this.events || !event) return;
      this.events.add(event);
      this.watchForGap();
    }

    due(event) {
      if (!this.events || !event) return;
      this.events.highest = Math.max(this.events.highest, event);
      this.watchForGap();
    }

    watchForGap() {
      if (this.gapTimer || !this.events.gap) return;
      // Frames may arrive out of order from several server processes; ask if a hole stays.
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        if (this.events.gap) this.sync();
      }, GAP_WAIT_MS);
    }

    sync(since = this.events?.upTo) {
      this.send({ action: "sync", since: since ?? 0 });
    }

    tick() {
      if (!this.open) return;
      const now = Date.now();
      if (now - this.lastHeard >= STALLED_AFTER_MS) {
        this.drop();   // a stalled connection says so within ten seconds of silence
        return;
      }
      const quiet = now - this.lastHeard >= PROBE_AFTER_MS && now - this.lastPing >= PROBE_AFTER_MS;
      if (quiet || now - this.lastPing >= HEARTBEAT_MS) this.send({ action: "ping" });
    }

    drop() {   // give up on this socket without waiting for the network to agree
      const socket = this.socket;
      this.socket = null;
      try {
        socket?.close();
      } catch {
        // already closing
      }
      this.closed(1006);
    }

    closed(code) {
      this.socket = null;
      if (this.stopped) return;
      if (code === 4401) {
        // Signed out, or this tab's session was replaced (a password change rotates it):
        // one immediate try tells which.
        if (!this.signedOutOnce) {
          this.signedOutOnce = true;
          this.retryTimer = setTimeout(() => this.connect(), 200);
          return;
        }
        this.stop("signed-out", "Signed out. Reload the page to sign in again.");
        return;
      }
      if (code === 4403) {
        this.stop("forbidden", `You no longer have access to this ${this.what}.`);
        return;
      }
      this.attempt += 1;
      // 1012: the server restarts: come back soon, spread out so a restart is no stampede.
      const base = code === 1012 ? 3000 : Math.min(15000, 500 * 2 ** Math.min(this.attempt, 5));
      const delay = base * (0.5 + Math.random() / 2);
      this.waitThenConnect(delay);
    }

    waitThenConnect(delay) {
      const at = Date.now() + delay;
      const show = () => {
        const seconds = Math.max(1, Math.ceil((at - Date.now()) / 1000));
        this.setState("reconnecting", `Offline. Reconnecting in ${seconds} s…`);
      };
      show();
      this.countdown = setInterval(show, 1000);
      this.retryTimer = setTimeout(() => this.connect(), delay);
    }

    reconnectNow() {
      if (this.stopped || this.socket || !this.retryTimer) return;
      this.connect();
    }

    stop(state, text) {
      this.stopped = true;
      this.stoppedText = text;   // pages turn off forms they load later with it
      clearTimeout(this.retryTimer);
      clearInterval(this.countdown);
      this.setState(state, text);
      if (this.reconnectButton) this.reconnectButton.hidden = true;
      stopOnline();
      this.onStop(state, text);
    }
  }

  // A page whose socket has stopped no longer knows who is online: it says so instead of
  // showing the people it last heard of.
  function stopOnline() {
    const list = document.getElementById("online");
    if (!list) return;
    const note = document.createElement("li");
    note.className = "muted nobody";
    note.textContent = "Not connected";
    list.replaceChildren(note);
  }

  // Every form under `root` that writes (GET forms, such as filters, still work) is disabled,
  // and `text` says why in each of them.
  function turnOff(root, text) {
    for (const form of root.querySelectorAll("form")) {
      if (form.method === "get") continue;
      for (const control of form.elements) control.disabled = true;
      if (form.querySelector(".turned-off")) continue;
      const note = document.createElement("p");
      note.className = "turned-off error";
      note.textContent = text;
      form.append(note);
    }
  }

  window.NexusLive = Object.assign(window.NexusLive || {}, { LiveSocket, Contiguous, turnOff });
})();
