/** Request accounting, so client tests and benchmarks can assert what reached the simulator. */
import type { RequestBudget } from './faults';
import type { RequestKind, SimCounters } from './types';

export type FaultCounter = keyof SimCounters['faultsInjected'];

export class CounterBook {
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
  };
  private throttled = 0;
  private missingPublisherIdentifier = 0;
  private blobsServed = 0;
  private recordsServed = 0;

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

  snapshot(budget: RequestBudget, limitPerMinute: number): SimCounters {
    return {
      requests: { ...this.requests },
      byStatus: { ...this.byStatus },
      byCode: { ...this.byCode },
      throttled: this.throttled,
      missingPublisherIdentifier: this.missingPublisherIdentifier,
      faultsInjected: { ...this.faults },
      budget: { limitPerMinute, ...budget.snapshot() },
      blobsServed: this.blobsServed,
      recordsServed: this.recordsServed,
    };
  }
}
