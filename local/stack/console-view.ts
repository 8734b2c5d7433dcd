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
}

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
  const failure = loop?.recentFailures?.at(-1);
  if (failure) lines.push(`last failure (window ${failure.window}): ${failure.error}`);
  return lines;
}
