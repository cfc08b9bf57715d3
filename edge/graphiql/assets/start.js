// Starts GraphiQL with the example operation and, in development, a demo administrator's
// Authorization header (both given by the server in #graphiql-settings).
(function () {
  const settings = JSON.parse(document.getElementById("graphiql-settings").textContent);
  const fetcher = GraphiQL.createFetcher({ url: settings.endpoint });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      defaultQuery: settings.query,
      defaultHeaders: settings.headers,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    }),
  );
})();
