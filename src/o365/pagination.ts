/**
 * Listing pages: the next page's full URL comes in the `NextPageUri` response header (some deployments and clients
 * use `NextPageUrl`). It is followed as given — Elastic has seen it carry a lower-case `starttime` — and the listing
 * ends only when neither header is present; an empty page can still link to a next one.
 */

/** Upper bound on pages per listing, so a server that links pages in a circle cannot hold a worker forever. */
export const MAX_PAGES_PER_LISTING = 10_000;

export function nextPageLink(headers: Headers): string | undefined {
  const link = headers.get('nextpageuri') ?? headers.get('nextpageurl');
  return link === null || link.trim() === '' ? undefined : link.trim();
}
