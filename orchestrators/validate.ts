/**
 * Orchestrators check their own inputs: they can be started through the Durable management API by anyone holding a
 * key, not only through our validated HTTP routes, and a bad input (a one-second window over a year) must fail at
 * once with a message instead of running away.
 */
import type { PipelineLoopInput, RewindInput } from '../src/pipeline/model';
import { MAX_WINDOW_MS, MINUTE_MS, RETENTION_MS } from '../src/pipeline/windows';

/** A rewind never needs more windows than 7 days of 1-minute windows, nor more content types than the API has. */
export const MAX_REWIND_WINDOWS = RETENTION_MS / MINUTE_MS;
const MAX_CONTENT_TYPES = 5;
const MAX_HOLD_HOURS = 24 * 30;

function check(condition: boolean, what: string, message: string): void {
  if (!condition) throw new Error(`Invalid ${what} input: ${message}`);
}

function checkContentTypes(list: unknown, what: string): void {
  check(
    Array.isArray(list) &&
      list.length > 0 &&
      list.length <= MAX_CONTENT_TYPES &&
      list.every((c) => typeof c === 'string' && /^[A-Za-z.]{1,40}$/.test(c)) &&
      new Set(list).size === list.length,
    what,
    `contentTypes must be 1..${MAX_CONTENT_TYPES} distinct content type names, got ${JSON.stringify(list)}`,
  );
}

function checkWindowMinutes(minutes: unknown, what: string): void {
  check(
    typeof minutes === 'number' &&
      Number.isInteger(minutes) &&
      minutes >= 1 &&
      minutes * MINUTE_MS <= MAX_WINDOW_MS,
    what,
    `windowMinutes must be a whole number of minutes in 1..1440, got ${JSON.stringify(minutes)}`,
  );
}

function checkHold(hours: unknown, what: string): void {
  check(
    typeof hours === 'number' && hours > 0 && hours <= MAX_HOLD_HOURS,
    what,
    `holdHours must be in (0, ${MAX_HOLD_HOURS}], got ${JSON.stringify(hours)}`,
  );
}

export function validateLoopInput(input: PipelineLoopInput): PipelineLoopInput {
  check(typeof input?.loopId === 'string' && input.loopId.length > 0, 'pipelineLoop', 'loopId is required');
  const s = input.settings;
  check(typeof s === 'object' && s !== null, 'pipelineLoop', 'settings are required');
  checkContentTypes(s.contentTypes, 'pipelineLoop');
  checkWindowMinutes(s.windowMinutes, 'pipelineLoop');
  checkHold(s.holdHours, 'pipelineLoop');
  check(
    typeof s.settleMinutes === 'number' &&
      s.settleMinutes >= 0 &&
      s.settleMinutes * MINUTE_MS <= MAX_WINDOW_MS,
    'pipelineLoop',
    `settleMinutes must be in 0..1440, got ${JSON.stringify(s.settleMinutes)}`,
  );
  check(
    typeof s.relistOverlapMinutes === 'number' &&
      s.relistOverlapMinutes >= 0 &&
      s.relistOverlapMinutes * MINUTE_MS <= RETENTION_MS,
    'pipelineLoop',
    `relistOverlapMinutes must be in 0..${RETENTION_MS / MINUTE_MS}, got ${JSON.stringify(s.relistOverlapMinutes)}`,
  );
  return input;
}

export function validateRewindInput(input: RewindInput): { fromMs: number; toMs: number } {
  const fromMs = Date.parse(input?.from);
  const toMs = Date.parse(input?.to);
  check(Number.isFinite(fromMs) && Number.isFinite(toMs), 'rewindRange', '"from" and "to" must be ISO times');
  check(toMs > fromMs, 'rewindRange', '"from" must be before "to"');
  check(
    toMs - fromMs <= RETENTION_MS,
    'rewindRange',
    'the range may span at most the API retention (7 days)',
  );
  checkContentTypes(input.contentTypes, 'rewindRange');
  checkWindowMinutes(input.windowMinutes, 'rewindRange');
  checkHold(input.holdHours, 'rewindRange');
  const windows = Math.ceil((toMs - fromMs) / (input.windowMinutes * MINUTE_MS));
  check(
    windows <= MAX_REWIND_WINDOWS,
    'rewindRange',
    `the range holds ${windows} windows; at most ${MAX_REWIND_WINDOWS} are allowed`,
  );
  return { fromMs, toMs };
}
