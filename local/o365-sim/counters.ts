/** Request accounting, so client tests and benchmarks can assert what reached the simulator. */
import type { RequestBudget } from './faults';
import type { HostRequestKind, RequestKind, SimCounters } from './types';

export type FaultCounter = keyof SimCounters['faultsInjected'];

/** What the server reports a request's events to: one tenant's book and the whole simulator's, or only the latter. */
export interface CounterSink {
  request(kind: RequestKind): void;
  answer(status: number, code?: string): void;
  fault(kind: FaultCounter): void;
  missingPublisher(): void;
  served(records: number): void;
  host(host: string, kind: HostRequestKind): void;
  authorizationToForeignHost(): void;
}

export class CounterBook implements CounterSink {
  private readonly requests: Record<RequestKind, number> = {
    token: 0,
    start: 0,
    stop: 0,
    subscriptions: 0,
    list: 0,
    content: 0,
  };
  private readonly byStatus: Record<string, number> = {};
  private readonly byCode: Record<string, number> = {};
  private readonly faults: SimCounters['faultsInjected'] = {
    latency: 0,
    throttle: 0,
    serverError: 0,
    timeout: 0,
    scripted: 0,
    overBudget: 0,
    malformedServed: 0,
    notFoundServed: 0,
    foreignHostListed: 0,
    foreignHostRequests: 0,
    oversizeServed: 0,
    badContentCreatedListed: 0,
    recoveringFailed: 0,
    recoveringServed: 0,
  };
  private readonly hosts: Record<string, Partial<Record<HostRequestKind, number>>> = {};
  private throttled = 0;
  private missingPublisherIdentifier = 0;
  private blobsServed = 0;
  private recordsServed = 0;
  private foreignAuthorization = 0;

  request(kind: RequestKind): void {
    this.requests[kind]++;
  }

  answer(status: number, code?: string): void {
    this.byStatus[String(status)] = (this.byStatus[String(status)] ?? 0) + 1;
    if (code) this.byCode[code] = (this.byCode[code] ?? 0) + 1;
    if (status === 429 || code === 'AF429') this.throttled++;
  }

  fault(kind: FaultCounter): void {
    this.faults[kind]++;
  }

  missingPublisher(): void {
    this.missingPublisherIdentifier++;
  }

  served(records: number): void {
    this.blobsServed++;
    this.recordsServed += records;
  }

  host(host: string, kind: HostRequestKind): void {
    const byKind = (this.hosts[host] ??= {});
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }

  authorizationToForeignHost(): void {
    this.foreignAuthorization++;
  }

  snapshot(budget: ReturnType<RequestBudget['snapshot']>, limitPerMinute: number): SimCounters {
    const hosts: SimCounters['hosts'] = {};
    for (const [host, kinds] of Object.entries(this.hosts)) hosts[host] = { ...kinds };
    return {
      requests: { ...this.requests },
      byStatus: { ...this.byStatus },
      byCode: { ...this.byCode },
      throttled: this.throttled,
      missingPublisherIdentifier: this.missingPublisherIdentifier,
      faultsInjected: { ...this.faults },
      budget: { limitPerMinute, ...budget },
      blobsServed: this.blobsServed,
      recordsServed: this.recordsServed,
      hosts,
      authorizationToForeignHost: this.foreignAuthorization,
    };
  }
}

/** Reports every event to each of the books (a tenant's and the whole simulator's). */
export function fanOut(...books: CounterSink[]): CounterSink {
  return {
    request: (kind) => books.forEach((b) => b.request(kind)),
    answer: (status, code) => books.forEach((b) => b.answer(status, code)),
    fault: (kind) => books.forEach((b) => b.fault(kind)),
    missingPublisher: () => books.forEach((b) => b.missingPublisher()),
    served: (records) => books.forEach((b) => b.served(records)),
    host: (host, kind) => books.forEach((b) => b.host(host, kind)),
    authorizationToForeignHost: () => books.forEach((b) => b.authorizationToForeignHost()),
  };
}

/** The whole simulator's budget view: minutes summed over tenants, publishers keyed `<tenantId>/<publisher>`. */
export function mergeBudgets(
  perTenant: { tenantId: string; budget: ReturnType<RequestBudget['snapshot']> }[],
): ReturnType<RequestBudget['snapshot']> {
  const minutes = new Map<string, { requests: number; rejected: number }>();
  const byPublisher: ReturnType<RequestBudget['snapshot']>['byPublisher'] = {};
  let peak = 0;
  for (const { tenantId, budget } of perTenant) {
    peak = Math.max(peak, budget.peakPerMinute);
    for (const [publisher, p] of Object.entries(budget.byPublisher))
      byPublisher[`${tenantId}/${publisher}`] = p;
    for (const m of budget.perMinute) {
      const sum = minutes.get(m.minute) ?? { requests: 0, rejected: 0 };
      sum.requests += m.requests;
      sum.rejected += m.rejected;
      minutes.set(m.minute, sum);
    }
  }
  const perMinute = [...minutes.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([minute, m]) => ({ minute, ...m }));
  return { perMinute: perMinute.slice(-60), peakPerMinute: peak, byPublisher };
}
