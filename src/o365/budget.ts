/**
 * The request budget: one per tenant and API root per process, shared by every concurrent call, so a wide fan-out of
 * blob fetches slows down instead of being throttled by the service (documented baseline ~2,000 requests/minute).
 *
 * Two rules hold at once:
 * - a sliding window: never more than `requestsPerMinute` grants in any 61 seconds (60 and an allowance for the
 *   order in which requests arrive), exactly, whatever the burst;
 * - a token bucket (rate requestsPerMinute/60 s, capacity one second's worth) that spreads grants evenly, so the
 *   budget is not spent in one burst at the start of each minute.
 * Waiters are served first come, first served. When the service throttles anyway (other processes share the tenant's
 * pool), {@link RequestBudget.pauseUntil} holds every caller back, not only the one that was told to wait.
 */
import { Duration } from 'luxon';
import type { BudgetStats } from './types';

export interface BudgetClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: BudgetClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const MINUTE_MS = Duration.fromObject({ minutes: 1 }).as('milliseconds');
/**
 * The sliding window is this much longer than a minute. The service counts requests when they arrive, and a request
 * granted first can arrive after one granted later (each waits for a connection, a token, the network), so grants
 * exactly a minute apart could arrive within one of the service's minutes. At 1/61 of the budget it is cheap.
 */
const TRANSIT_ALLOWANCE_MS = Duration.fromObject({ seconds: 1 }).as('milliseconds');
const WINDOW_MS = MINUTE_MS + TRANSIT_ALLOWANCE_MS;

/** The fetch duration (request plus archive and parse) that {@link RequestBudget.fetchesInFlight} keeps busy. */
const FETCH_SECONDS_COVERED = 2;
/** One fetch waiting for the budget while another is in flight: a slow blob never idles the budget alone. */
const MIN_FETCHES_IN_FLIGHT = 2;

export class RequestBudget {
  private readonly perMinute: number;
  private readonly capacity: number;
  private readonly refillPerMs: number;
  private tokens: number;
  private refilledAt: number;
  /** Times of the last `perMinute` grants, oldest at `head` once full. */
  private readonly grants: number[] = [];
  private head = 0;
  private pausedUntil = 0;
  private readonly waiting: Array<() => void> = [];
  private pumping = false;
  private readonly counters = { granted: 0, waits: 0, waitedMs: 0, pauses: 0 };

  constructor(
    requestsPerMinute: number,
    private readonly clock: BudgetClock = realClock,
  ) {
    if (!Number.isFinite(requestsPerMinute) || requestsPerMinute < 1) {
      throw new RangeError(`requestsPerMinute must be at least 1, got ${requestsPerMinute}.`);
    }
    this.perMinute = Math.floor(requestsPerMinute);
    this.capacity = Math.max(1, Math.floor(this.perMinute / 60));
    this.refillPerMs = this.perMinute / MINUTE_MS;
    this.tokens = this.capacity;
    this.refilledAt = clock.now();
  }

  get requestsPerMinute(): number {
    return this.perMinute;
  }

  /** Resolves when one request may be sent. Returns how long the caller waited (ms). */
  async acquire(): Promise<number> {
    const askedAt = this.clock.now();
    if (this.waiting.length === 0 && this.waitFor(askedAt) === 0) {
      this.grant(askedAt);
      return 0;
    }
    this.counters.waits++;
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      void this.pump();
    });
    const waited = this.clock.now() - askedAt;
    this.counters.waitedMs += waited;
    return waited;
  }

  /** Holds every caller until `atMs` (the service said Retry-After, or throttled without saying). */
  pauseUntil(atMs: number): void {
    if (atMs > this.pausedUntil) {
      this.pausedUntil = atMs;
      this.counters.pauses++;
    }
  }

  /** How much longer every caller is held by {@link pauseUntil} (0 when not paused). */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.clock.now());
  }

  /** Holds every caller for `ms` from now. */
  pauseFor(ms: number): void {
    this.pauseUntil(this.clock.now() + ms);
  }

  stats(): BudgetStats {
    return { requestsPerMinute: this.perMinute, ...this.counters };
  }

  /**
   * How many fetches one window should have in flight: enough to spend the budget while each fetch takes up to
   * FETCH_SECONDS_COVERED, and no more. A fetch beyond that would only wait here for its turn while holding one of
   * the host's activity slots, which every tenant's activities share first come, first served, so one tenant's
   * queue would delay the others' fetches and their non-fetch steps.
   */
  fetchesInFlight(): number {
    return Math.max(MIN_FETCHES_IN_FLIGHT, Math.ceil((this.perMinute / 60) * FETCH_SECONDS_COVERED));
  }

  /** Milliseconds until a grant is allowed at `now` (0 = now). */
  private waitFor(now: number): number {
    this.refill(now);
    const tokenWait = this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.refillPerMs);
    const oldest = this.grants.length < this.perMinute ? undefined : this.grants[this.head];
    const windowWait = oldest === undefined ? 0 : Math.max(0, oldest + WINDOW_MS - now);
    return Math.max(tokenWait, windowWait, this.pausedUntil - now, 0);
  }

  private refill(now: number): void {
    if (now > this.refilledAt) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * this.refillPerMs);
      this.refilledAt = now;
    }
  }

  private grant(now: number): void {
    this.tokens -= 1;
    if (this.grants.length < this.perMinute) this.grants.push(now);
    else {
      this.grants[this.head] = now;
      this.head = (this.head + 1) % this.perMinute;
    }
    this.counters.granted++;
  }

  /** One loop serves the queue in order, sleeping exactly until the next grant is allowed. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length > 0) {
        const now = this.clock.now();
        const wait = this.waitFor(now);
        if (wait > 0) {
          await this.clock.sleep(wait);
          continue;
        }
        this.grant(now);
        this.waiting.shift()!();
      }
    } finally {
      this.pumping = false;
    }
  }
}

const shared = new Map<string, RequestBudget>();

/**
 * The process-wide budget for a tenant and API root. The first caller's rate sets it (settings give every client of a
 * process the same O365_REQUESTS_PER_MINUTE); later callers share it whatever rate they ask for, so two clients of one
 * tenant never add up to more than the budget.
 */
export function sharedBudget(tenantId: string, apiUrl: string, requestsPerMinute: number): RequestBudget {
  const key = `${tenantId.toLowerCase()} ${apiUrl.toLowerCase()}`;
  let budget = shared.get(key);
  if (!budget) {
    budget = new RequestBudget(requestsPerMinute);
    shared.set(key, budget);
  }
  return budget;
}
