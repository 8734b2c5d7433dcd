/**
 * Subscriptions: content is only listed for content types whose subscription is started.
 *
 * AF20024 ("already enabled") answers a start that was not needed: it is success. Microsoft asks for about 15 minutes
 * between repeated starts, so each content type gets at most one start attempt per 15 minutes per process, however
 * many windows or activities find it missing (AF20022/AF20023) meanwhile.
 */
import { Duration } from 'luxon';
import { FatalApiError, SubscriptionMissingError } from './errors';
import type { ApiTransport } from './transport';
import type { EnsureResult, Subscription } from './types';

export const START_INTERVAL_MS = Duration.fromObject({ minutes: 15 }).as('milliseconds');

/** Last start attempt per tenant, API root and content type, for the whole process. */
const lastStartAttempt = new Map<string, number>();

export class Subscriptions {
  /** `subscriptions/start` calls sent. */
  starts = 0;

  constructor(
    private readonly transport: ApiTransport,
    private readonly feedUrl: string,
    private readonly tenantKey: string,
    private readonly now: () => number,
  ) {}

  async list(): Promise<Subscription[]> {
    const result = await this.transport.send(
      'listSubscriptions',
      'GET',
      `${this.feedUrl}/subscriptions/list`,
    );
    if (!result.ok) this.transport.raise('listSubscriptions', result);
    const body = parseJson(result.text);
    if (!Array.isArray(body) || !body.every(isSubscription)) {
      throw new FatalApiError('listSubscriptions: the answer is not an array of subscriptions.', {
        status: result.status,
        code: 'MalformedResponse',
        operation: 'listSubscriptions',
      });
    }
    return body;
  }

  /** Starts one content type now (no 15-minute guard: the caller asked explicitly). AF20024 is success. */
  async start(contentType: string): Promise<Subscription> {
    this.starts++;
    lastStartAttempt.set(this.key(contentType), this.now());
    const url = `${this.feedUrl}/subscriptions/start?contentType=${encodeURIComponent(contentType)}`;
    const result = await this.transport.send('startSubscription', 'POST', url);
    if (!result.ok) {
      if (result.reaction === 'alreadyEnabled') return { contentType, status: 'enabled', webhook: null };
      this.transport.raise('startSubscription', result);
    }
    const body = parseJson(result.text);
    return isSubscription(body) ? body : { contentType, status: 'enabled', webhook: null };
  }

  /**
   * Starts the content type unless a start was attempted in the last 15 minutes; then it throws
   * {@link SubscriptionMissingError} saying when the next attempt is allowed.
   */
  async startGuarded(contentType: string, reportedCode = 'AF20022'): Promise<Subscription> {
    const next = this.nextAttemptAt(contentType);
    if (next > this.now()) {
      throw new SubscriptionMissingError(
        `The ${contentType} subscription is not started and a start was attempted less than 15 minutes ago; ` +
          `next attempt after ${new Date(next).toISOString()}.`,
        { status: 400, code: reportedCode, operation: 'listContent' },
      );
    }
    return this.start(contentType);
  }

  /** Lists the subscriptions and starts each given content type that is not enabled (15-minute guard applies). */
  async ensure(contentTypes: string[]): Promise<EnsureResult> {
    const current = await this.list();
    const enabled = new Set(
      current.filter((s) => s.status?.toLowerCase() === 'enabled').map((s) => s.contentType.toLowerCase()),
    );
    const result: EnsureResult = { alreadyEnabled: [], started: [], deferred: [] };
    for (const contentType of [...new Set(contentTypes)]) {
      if (enabled.has(contentType.toLowerCase())) {
        result.alreadyEnabled.push(contentType);
        continue;
      }
      const next = this.nextAttemptAt(contentType);
      if (next > this.now()) {
        result.deferred.push({ contentType, nextAttemptAt: new Date(next).toISOString() });
        continue;
      }
      await this.start(contentType);
      result.started.push(contentType);
    }
    return result;
  }

  private nextAttemptAt(contentType: string): number {
    const last = lastStartAttempt.get(this.key(contentType));
    return last === undefined ? -Infinity : last + START_INTERVAL_MS;
  }

  private key(contentType: string): string {
    return `${this.tenantKey} ${contentType.toLowerCase()}`;
  }
}

function parseJson(text: string): unknown {
  try {
    return text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isSubscription(x: unknown): x is Subscription {
  return typeof x === 'object' && x !== null && typeof (x as Subscription).contentType === 'string';
}
