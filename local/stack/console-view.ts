/**
 * The live console view of `npm start`: a pure rendering of GET /api/pipeline/status, so what the user sees is
 * exactly what the API reports (and is testable without a terminal).
 */

/** The part of the status answer the view reads; everything optional because the loop may not have run yet. */
export interface StatusView {
  runtimeStatus?: string;
  lagMinutes?: number | null;
  loop?: {
    state?: string;
    checkpoint?: string;
    lagMinutes?: number;
    windowsDone?: number;
    pendingAlerts?: number;
    currentWindow?: { start: string; end: string; attempt: number };
    totals?: { recordsSeen?: number; selectedRows?: number; ingested?: number; released?: number };
    recentFailures?: { window: string; error: string }[];
  } | null;
  faults?: { requests?: number; retries?: number; throttled?: number } | null;
  rewinds?: RewindView[] | null;
  parked?: ParkedView | null;
  /** Several tenants: each has the fields above; the top level then holds none of them. */
  tenants?: (StatusView & { tenantId?: string; tenantName?: string })[];
}

export interface RewindView {
  instanceId?: string;
  runtimeStatus?: string;
  from?: string;
  to?: string;
  state?: string;
  windowsDone?: number;
  windowsTotal?: number;
  lastError?: string;
}

export interface ParkedView {
  count?: number;
  hoursToNextExpiry?: number | null;
  blobs?: { contentId?: string; lastError?: string }[];
}

const FINISHED = new Set(['Completed', 'Terminated', 'Canceled']);
const MAX_REWIND_LINES = 3;

export function progressBar(fraction: number, width = 30): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

export function formatLag(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return 'n/a';
  if (minutes < 120) return `${minutes} min`;
  return `${(minutes / 60).toFixed(1)} h`;
}

/**
 * Lines for one refresh. `backlogStartMs` is where catching up began (the first window start); the bar shows how much
 * of the way from there to `nowMs` the checkpoint has covered, and disappears once the lag is within two windows.
 */
export function renderStatus(
  status: StatusView,
  nowMs: number,
  backlogStartMs: number | undefined,
  windowMinutes: number,
): string[] {
  if (status.tenants && status.tenants.length > 1) {
    return status.tenants.flatMap((tenant) => [
      `tenant ${tenant.tenantName ?? tenant.tenantId ?? '?'}${tenant.tenantName && tenant.tenantId ? ` (${tenant.tenantId})` : ''}`,
      ...renderStatus({ ...tenant, tenants: undefined }, nowMs, backlogStartMs, windowMinutes).map(
        (l) => `  ${l}`,
      ),
    ]);
  }
  const loop = status.loop ?? undefined;
  const lag = loop?.lagMinutes ?? status.lagMinutes ?? undefined;
  const lines: string[] = [];
  const state = loop?.state ?? 'starting';
  lines.push(`pipeline ${status.runtimeStatus ?? 'NotStarted'} (${state})`);
  const checkpointMs = loop?.checkpoint ? Date.parse(loop.checkpoint) : undefined;
  const catchingUp = lag === undefined || lag > 2 * windowMinutes;
  if (catchingUp && backlogStartMs !== undefined && checkpointMs !== undefined && nowMs > backlogStartMs) {
    lines.push(`catching up ${progressBar((checkpointMs - backlogStartMs) / (nowMs - backlogStartMs))}`);
  } else if (catchingUp) {
    lines.push(`catching up ${progressBar(0)}`);
  } else {
    lines.push('caught up: waiting for the next window');
  }
  const totals = loop?.totals ?? {};
  lines.push(
    `windows done ${loop?.windowsDone ?? 0} | records seen ${totals.recordsSeen ?? 0} | selected ` +
      `${totals.selectedRows ?? 0} | alerts released ${totals.released ?? 0} | rows ingested ${totals.ingested ?? 0} | ` +
      `alerts pending ${loop?.pendingAlerts ?? 0} | lag ${formatLag(lag)}`,
  );
  if (loop?.checkpoint) {
    const current = loop.currentWindow
      ? ` | now processing ${loop.currentWindow.start} .. ${loop.currentWindow.end} (attempt ${loop.currentWindow.attempt})`
      : '';
    lines.push(`checkpoint ${loop.checkpoint}${current}`);
  }
  const faults = status.faults;
  if (faults && (faults.retries || faults.throttled)) {
    lines.push(
      `O365 requests ${faults.requests ?? 0} | retries ${faults.retries ?? 0} | throttled ${faults.throttled ?? 0}`,
    );
  }
  lines.push(...rewindLines(status.rewinds ?? []), ...parkedLines(status.parked ?? undefined));
  const failure = loop?.recentFailures?.at(-1);
  if (failure) lines.push(`last failure (window ${failure.window}): ${failure.error}`);
  return lines;
}

/** Rewinds still running (with their progress) or failed (with their error); finished ones are left out. */
export function rewindLines(rewinds: RewindView[]): string[] {
  const shown = rewinds.filter((r) => !FINISHED.has(r.runtimeStatus ?? ''));
  const lines = shown.slice(0, MAX_REWIND_LINES).map((r) => {
    const range = `${r.from ?? '?'} .. ${r.to ?? '?'}`;
    if (r.runtimeStatus === 'Failed') return `rewind ${range} failed: ${r.lastError ?? 'no error given'}`;
    const done = r.windowsDone ?? 0;
    const total = r.windowsTotal;
    const bar = total
      ? `${progressBar(done / total, 20)} (${done}/${total} windows)`
      : `${done} windows done`;
    return `rewind ${range} ${bar}${r.state ? `, ${r.state}` : ''}${r.lastError ? ` | last error: ${r.lastError}` : ''}`;
  });
  if (shown.length > MAX_REWIND_LINES) lines.push(`... and ${shown.length - MAX_REWIND_LINES} more rewinds`);
  return lines;
}

/** One line when blobs are parked: how many, how soon the first expires, and the newest error among them. */
export function parkedLines(parked: ParkedView | undefined): string[] {
  if (!parked?.count) return [];
  const expiry =
    typeof parked.hoursToNextExpiry === 'number'
      ? ` | next expiry in ${parked.hoursToNextExpiry.toFixed(1)} h`
      : '';
  const error = parked.blobs?.find((b) => b.lastError)?.lastError;
  return [`parked blobs ${parked.count}${expiry}${error ? ` | last error: ${error}` : ''}`];
}
