// GraphiQL on /graphql/ (development): React and GraphiQL come from the npm packages pinned in
// package-lock.json (`make assets` copies them into static/vendor/), never from a CDN.
(function () {
  const root = document.getElementById("graphiql");
  if (!root || !window.React || !window.ReactDOM || !window.GraphiQL) return;
  const socketUrl = new URL(root.dataset.url, window.location.href);
  socketUrl.protocol = socketUrl.protocol === "https:" ? "wss:" : "ws:";
  const fetcher = window.GraphiQL.createFetcher({
    url: root.dataset.url,
    headers: { "X-CSRFToken": root.dataset.csrf }, // signed in by the session: CSRF checked
    // Subscriptions over the same address's socket (graphql-transport-ws, the graphql-ws client
    // inside GraphiQL's bundle); this page's session signs it in: same origin, no token needed.
    subscriptionUrl: socketUrl.href,
  });
  window.ReactDOM.createRoot(root).render(
    window.React.createElement(window.GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
  );
})();
