/** Request rates from the simulator's per-minute budget buckets. */
import type { BudgetMinute } from '../../local/o365-sim';

/**
 * Mean and peak accepted requests over the complete minutes of a run: the first and last buckets are partial (the
 * run started and ended inside them), so they are left out. Undefined when fewer than three buckets exist.
 */
export function fullMinuteRate(
  perMinute: BudgetMinute[],
): { mean: number; peak: number; minutes: number } | undefined {
  const sorted = [...perMinute].sort((a, b) => a.minute.localeCompare(b.minute));
  const inner = sorted.slice(1, -1);
  if (inner.length === 0) return undefined;
  const counts = inner.map((m) => m.requests);
  return {
    mean: counts.reduce((a, b) => a + b, 0) / counts.length,
    peak: Math.max(...counts),
    minutes: counts.length,
  };
}
