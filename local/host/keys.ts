/**
 * The function key. Azure has per-function, host and master keys; locally one key opens every authLevel function
 * route, the Durable webhooks and the admin endpoints. It comes from the caller, LOCAL_FUNCTION_KEY, or is generated
 * on first start and kept in the state dir so restarts (and a test's child processes) agree on it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function resolveFunctionKey(stateDir: string, explicit?: string, env = process.env): string {
  if (explicit) return explicit;
  if (env.LOCAL_FUNCTION_KEY) return env.LOCAL_FUNCTION_KEY;
  const file = join(stateDir, 'function-key');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored) return stored;
  }
  mkdirSync(stateDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}

/** The key a request presents (`?code=` or `x-functions-key`), if any. */
export function presentedKey(
  url: URL,
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const header = headers['x-functions-key'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  return fromHeader ?? url.searchParams.get('code') ?? undefined;
}

export function keyMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
