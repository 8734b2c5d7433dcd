/** The parts of host.json the local host honours. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HostJsonSettings {
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  routePrefix: string;
  /** undefined = no limit ("-1"). */
  functionTimeoutMs: number | undefined;
}

/** TimeSpan text as host.json writes it: `hh:mm:ss` or `d.hh:mm:ss`; `-1` means unlimited. */
export function parseTimeSpan(text: string | undefined, fallbackMs: number | undefined): number | undefined {
  if (text === undefined) return fallbackMs;
  if (text.trim() === '-1') return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(text.trim());
  if (!m) throw new Error(`host.json: '${text}' is not a TimeSpan (hh:mm:ss)`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1000;
}

interface HostJson {
  functionTimeout?: string;
  extensions?: {
    durableTask?: {
      hubName?: string;
      maxConcurrentActivityFunctions?: number;
      maxConcurrentOrchestratorFunctions?: number;
    };
    http?: { routePrefix?: string };
  };
}

export function readHostJson(appRoot: string): HostJsonSettings {
  const path = join(appRoot, 'host.json');
  const json: HostJson = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as HostJson) : {};
  const durable = json.extensions?.durableTask ?? {};
  // Defaults when host.json says nothing: the extension's per-core defaults (10) on one core.
  return {
    hubName: durable.hubName ?? 'TestHubName',
    maxConcurrentActivityFunctions: durable.maxConcurrentActivityFunctions ?? 10,
    maxConcurrentOrchestratorFunctions: durable.maxConcurrentOrchestratorFunctions ?? 10,
    routePrefix: (json.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    // The Functions default on a dedicated plan is 30 minutes.
    functionTimeoutMs: parseTimeSpan(json.functionTimeout, 30 * 60_000),
  };
}
