/** The parts of host.json the local host honours. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HostJsonSettings {
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  routePrefix: string;
}

interface HostJson {
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
  // The Functions defaults when host.json says nothing (consumption-plan values for the Durable extension).
  const cpus = 1;
  return {
    hubName: durable.hubName ?? 'TestHubName',
    maxConcurrentActivityFunctions: durable.maxConcurrentActivityFunctions ?? 10 * cpus,
    maxConcurrentOrchestratorFunctions: durable.maxConcurrentOrchestratorFunctions ?? 10 * cpus,
    routePrefix: (json.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
  };
}
