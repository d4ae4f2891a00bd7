// GraphiQL on /graphql/ (development): React and GraphiQL come from the npm packages pinned in
// package-lock.json (`make assets` copies them into static/vendor/), never from a CDN.
(function () {
  const root = document.getElementById("graphiql");
  if (!root || !window.React || !window.ReactDOM || !window.GraphiQL) return;
  const fetcher = window.GraphiQL.createFetcher({
    url: root.dataset.url,
    headers: { "X-CSRFToken": root.dataset.csrf }, // signed in by the session: CSRF checked
  });
  window.ReactDOM.createRoot(root).render(
    window.React.createElement(window.GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
  );
})();
