// Splash page endpoint (ct-api.md §4.4): a location's splash pages, which the dashboard lists to pick a
// voucher batch's `splash_page_id`. The envelope is `{splash_pages:[...]}` as documented, without `_links`.

import { json, notFound, type Router } from '../http.js';
import type { SplashPageRecord } from '../store.js';
import type { ApiContext, ApiRoute } from './context.js';

export const renderSplashPage = (page: SplashPageRecord): Record<string, unknown> => ({ ...page });

function list(ctx: ApiContext): Response {
  const loc = ctx.store.findLocation(ctx.user, ctx.params.loc ?? '');
  if (!loc) return notFound();
  const pages = [...ctx.store.splashPagesAt(loc)].sort((a, b) => a.id - b.id);
  return json(200, { splash_pages: pages.map(renderSplashPage) });
}

export function splashPageRoutes(router: Router<ApiRoute>): void {
  router.on('GET', '/api/v1/locations/:loc/splash_pages', { auth: true, handler: list });
}
