// Account endpoints (ct-api.md §4.1): the bare user object of /me.json and the /ping.json liveness check.

import { json, type Router } from '../http.js';
import type { ApiRoute } from './context.js';

export function meRoutes(router: Router<ApiRoute>): void {
  const me: ApiRoute = { auth: true, handler: ({ user }) => json(200, { ...user }) };
  // whether ping needs a token is unknown (§1); answering without one is the lenient choice
  const ping: ApiRoute = { auth: false, handler: () => json(200, {}) };
  router.on('GET', '/api/v1/me.json', me).on('GET', '/api/v1/me', me);
  router.on('GET', '/api/v1/ping.json', ping).on('GET', '/api/v1/ping', ping);
}
