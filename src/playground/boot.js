/*
 * The playground page's boot code, served as /graphql/assets/boot.js by assets.ts. A classic
 * script (no module, no build step): the page runs it as is, before the GraphiQL bundle.
 * Points Monaco's workers at our copies (same-origin URLs, so no blob: workers, which the CSP
 * refuses), then renders GraphiQL with the options from the page's JSON data block (a
 * `type="application/json"` script is data, never executed, so the CSP need not allow it).
 *
 * The bar above GraphiQL: asks `viewer` who is signed in and shows the CT username with "Sign out",
 * or "Sign in with CT" alone. Every answer of the GraphQL endpoint that GraphiQL receives is looked
 * at (through a wrapped fetch, which GraphiQL calls at request time): an UNAUTHENTICATED error shows
 * a notice with a sign-in link, taken from the error's `extensions.reauthenticate`.
 */
(function () {
  'use strict';
  const config = JSON.parse(document.getElementById('ct-playground-config').textContent);
  const workers = config.workers;
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) {
      return Object.prototype.hasOwnProperty.call(workers, label) ? workers[label] : undefined;
    },
  };
  const endpoint = new URL(config.graphiql.endpoint, location.href).href;
  // Codes that say "CT did not answer", not "you are signed out".
  const UNKNOWN = ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_ERROR', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR'];

  function element(id) {
    return document.getElementById(id);
  }

  function show(id, visible) {
    const node = element(id);
    if (node) node.hidden = !visible;
  }

  function setStatus(before, strong) {
    const status = element('ct-status');
    if (!status) return;
    status.textContent = before;
    if (strong) {
      const name = document.createElement('strong');
      name.id = 'ct-username';
      name.textContent = strong;
      status.appendChild(name);
    }
  }

  function signedIn(viewer) {
    setStatus('Signed in to CT as ', viewer.username || viewer.email || 'your CT account');
    show('ct-signin', false);
    show('ct-signout', true);
  }

  function signedOut() {
    setStatus('Not signed in: queries that need CT answer UNAUTHENTICATED.');
    show('ct-signin', true);
    show('ct-signout', false);
  }

  function unknown(code) {
    setStatus('Could not ask CT who is signed in (' + code + ').');
    show('ct-signin', true);
    show('ct-signout', true);
  }

  /** A path of ours to sign in at: the error's own when it is one, else the default. */
  function signInHref(reauthenticate) {
    const path = typeof reauthenticate === 'string' && /^\/(?![/\\])/.test(reauthenticate) ? reauthenticate : config.loginPath;
    return path + (path.indexOf('?') === -1 ? '?' : '&') + 'redirect=' + encodeURIComponent(location.pathname);
  }

  function notice(reauthenticate) {
    const box = element('ct-notice');
    if (!box) return;
    box.textContent = 'This needs you signed in with your CT account. ';
    const link = document.createElement('a');
    link.id = 'ct-notice-signin';
    link.href = signInHref(reauthenticate);
    link.textContent = 'Sign in with CT';
    box.appendChild(link);
    const dismiss = document.createElement('button');
    dismiss.type = 'button';
    dismiss.className = 'ct-dismiss';
    dismiss.setAttribute('aria-label', 'Dismiss');
    dismiss.textContent = '×';
    dismiss.addEventListener('click', function () {
      box.hidden = true;
    });
    box.appendChild(dismiss);
    box.hidden = false;
  }

  /** The UNAUTHENTICATED error's extensions if there is one, else the first error's; null without errors. */
  function firstCode(body) {
    const errors = body?.errors;
    if (!errors?.length) return null;
    const unauthenticated = errors.find(function (error) {
      return error?.extensions?.code === 'UNAUTHENTICATED';
    });
    const extensions = (unauthenticated ?? errors[0])?.extensions;
    return typeof extensions?.code === 'string' ? extensions : { code: 'UNKNOWN' };
  }

  function inspect(body) {
    const extensions = firstCode(body);
    if (extensions?.code === 'UNAUTHENTICATED') {
      notice(extensions.reauthenticate);
      signedOut();
    }
  }

  const realFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    const answer = realFetch(input, init);
    const url = typeof input === 'string' || input instanceof URL ? String(input) : input?.url;
    if (!url || new URL(url, location.href).href.split('?')[0] !== endpoint) return answer;
    return answer.then(function (response) {
      // JSON answers only: a subscription's event stream must be left to GraphiQL.
      if ((response.headers.get('content-type') || '').indexOf('json') !== -1) {
        response
          .clone()
          .json()
          .then(inspect, function () {});
      }
      return response;
    });
  };

  function whoIsSignedIn() {
    const headers = Object.assign({ 'content-type': 'application/json', accept: 'application/json' }, config.csrfHeader);
    window
      .fetch(endpoint, {
        method: 'POST',
        credentials: 'same-origin',
        headers: headers,
        body: JSON.stringify({ query: config.viewerQuery, operationName: 'PlaygroundViewer' }),
      })
      .then(function (response) {
        return response.json();
      })
      .then(
        function (body) {
          const viewer = body?.data?.viewer;
          if (viewer) return signedIn(viewer);
          const extensions = firstCode(body);
          if (extensions && UNKNOWN.indexOf(extensions.code) !== -1) return unknown(extensions.code);
          signedOut();
        },
        function () {
          unknown('no answer');
        },
      );
  }

  function start() {
    const signOut = element('ct-signout');
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
    whoIsSignedIn();
    const root = element('root');
    if (typeof YogaGraphiQL === 'undefined' || !YogaGraphiQL.renderYogaGraphiQL) {
      root.textContent = 'The playground script did not load (' + config.bundle + ').';
      return;
    }
    // The bundle opens with its 'query' option (which beats ?query=) or else its welcome text;
    // it never falls back to defaultQuery. So: the query in the address bar, else the first tab's.
    const options = Object.assign({}, config.graphiql);
    options.query = new URLSearchParams(location.search).get('query') || options.defaultQuery;
    root.textContent = '';
    YogaGraphiQL.renderYogaGraphiQL(root, options);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
