/*
 * The playground page's boot code, served as /graphql/assets/boot.js by assets.ts. A classic
 * script in ES5 (no module, no build step): the page runs it as is, before the GraphiQL bundle.
 * Points Monaco's workers at our copies (same-origin URLs, so no blob: workers, which the CSP
 * refuses), then renders GraphiQL with the options from the page's JSON data block (a
 * `type="application/json"` script is data, never executed, so the CSP need not allow it).
 */
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('ct-playground-config').textContent);
  var workers = config.workers;
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) {
      return Object.prototype.hasOwnProperty.call(workers, label) ? workers[label] : undefined;
    },
  };
  function start() {
    var signOut = document.getElementById('ct-signout');
    if (signOut) {
      signOut.addEventListener('click', function () {
        signOut.disabled = true;
        fetch(config.logoutPath, { method: 'POST', credentials: 'same-origin', headers: config.csrfHeader })
          .catch(function () {})
          .then(function () {
            location.replace(location.pathname);
          });
      });
    }
    var root = document.getElementById('root');
    if (typeof YogaGraphiQL === 'undefined' || !YogaGraphiQL.renderYogaGraphiQL) {
      root.textContent = 'The playground script did not load (' + config.bundle + ').';
      return;
    }
    // The bundle opens with its 'query' option (which beats ?query=) or else its welcome text;
    // it never falls back to defaultQuery. So: the query in the address bar, else ours.
    var options = Object.assign({}, config.graphiql);
    options.query = new URLSearchParams(location.search).get('query') || options.defaultQuery;
    root.textContent = '';
    YogaGraphiQL.renderYogaGraphiQL(root, options);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
