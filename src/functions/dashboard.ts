/**
 * GET /api/pipeline/dashboard: the status page (charts, current window and checkpoint, recent windows, rewinds,
 * parked blobs, data loss, last errors). The function key protects it like the JSON routes it reads; the page passes
 * the same `?code=` on to them. Optional query: `refresh` (seconds between redraws, 5–3600, default 30) and `tenant`
 * (passed on to the JSON routes).
 */
import { renderDashboardPage } from '../dashboard/page';
import { BadRequest, readQuery, route } from './http';

const DEFAULT_REFRESH_SECONDS = 30;

function refreshSeconds(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_REFRESH_SECONDS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 5 || n > 3600) {
    throw new BadRequest(`"refresh" must be a whole number of seconds from 5 to 3600, got "${raw}".`);
  }
  return n;
}

export const dashboardPage = route(async (request) => {
  const query = readQuery(request, ['refresh', 'tenant']);
  const page = renderDashboardPage({ refreshSeconds: refreshSeconds(query.refresh) });
  return {
    status: 200,
    body: page.html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': page.contentSecurityPolicy,
      // The URL carries the function key: keep it out of caches and Referer headers, and out of other sites' frames.
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    },
  };
});
