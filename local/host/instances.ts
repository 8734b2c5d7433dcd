/**
 * Instance-level rules shared by the engine's parts: which statuses are final, the error client operations throw,
 * and how execution ids look.
 */
import { randomUUID } from 'node:crypto';
import type { RuntimeStatus } from './store';

const terminalStatuses: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

export function isTerminal(status: RuntimeStatus): boolean {
  return terminalStatuses.has(status);
}

/** Thrown by client operations; `status` is the HTTP status the extension answers with. */
export class DurableApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A GUID without dashes, as DTFx writes execution ids and generated instance ids. */
export const compactGuid = (): string => randomUUID().replace(/-/g, '');
