/**
 * postdeploy: starts the pipeline on the deployed app and prints where its dashboard is.
 *
 * The function key comes from the ARM listKeys API (the deploying identity reads it; it never goes through a Bicep
 * output, which would keep it in the deployment history). A host that has not started yet may have no key: that, and
 * ARM's transient answers, are retried like the start request; a refusal (401/403) or an unknown app (404) is not. Starting is idempotent: the start route answers 200 "already
 * running" when the loop runs. A freshly deployed app may not answer yet (cold start, triggers still syncing, the key
 * not yet known to the host), so 401/403/404/408/429/5xx and connection errors are retried for a few minutes.
 *
 * The dashboard URL is printed without the key by default, because azd output often lands in CI logs; the command
 * that prints the key is shown beside it. DASHBOARD_URL_WITH_KEY=true prints the URL with the key for a private
 * terminal.
 */
import { Duration } from 'luxon';
import type { DeployValues } from '../azd-env';

export interface StartAnswer {
  status: number;
  /** The route's `message` (or error text); never the whole body, which carries management URLs with keys. */
  message: string;
}

export interface DeployDeps {
  functionKey(values: DeployValues): Promise<string>;
  start(appUrl: string, key: string): Promise<StartAnswer>;
  sleep(duration: Duration): Promise<void>;
  log(line: string): void;
}

export interface DeployOptions {
  /** Attempts at starting before giving up. */
  attempts?: number;
  /** Pause between attempts. */
  delay?: Duration;
}

export interface DeployResult {
  started: 'started' | 'already running';
  dashboardUrl: string;
}

const TRANSIENT = new Set([401, 403, 404, 408, 429]);

export function isTransient(status: number): boolean {
  return TRANSIENT.has(status) || status >= 500;
}

/** The dashboard URL; `key` undefined leaves a placeholder in place of the key. */
export function dashboardUrl(appUrl: string, key: string | undefined): string {
  return `${appUrl}/api/pipeline/dashboard?code=${key === undefined ? '<function key>' : encodeURIComponent(key)}`;
}

export async function postdeploy(
  values: DeployValues,
  deps: DeployDeps,
  options: DeployOptions = {},
): Promise<DeployResult> {
  const attempts = options.attempts ?? 20;
  const delay = options.delay ?? Duration.fromObject({ seconds: 15 });
  let key: string | undefined;
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let answer: StartAnswer | undefined;
    if (key === undefined) {
      try {
        key = await deps.functionKey(values);
      } catch (e) {
        const status = (e as { status?: number }).status;
        last = `reading the function key: ${text(e)}`;
        // Refused or not found: waiting cannot fix a missing role or a wrong app name.
        if (status === 401 || status === 403 || status === 404)
          throw new Error(
            `postdeploy: reading the function key of ${values.functionAppName} failed: ${text(e)}\n` +
              `The identity running azd needs a role with Microsoft.Web/sites/host/listKeys/action on the app ` +
              `(Contributor or Website Contributor on the resource group).`,
          );
      }
    }
    if (key !== undefined) {
      try {
        answer = await deps.start(values.appUrl, key);
      } catch (e) {
        last = `no answer (${text(e, key)})`;
      }
    }
    if (answer) {
      if (answer.status === 200 || answer.status === 202) {
        const started = answer.status === 202 ? 'started' : 'already running';
        deps.log(`Pipeline ${started}: ${answer.message}`);
        const url = dashboardUrl(values.appUrl, key);
        if (values.printKey) deps.log(`Dashboard: ${url}`);
        else
          deps.log(
            `Dashboard: ${dashboardUrl(values.appUrl, undefined)}\n` +
              `  the key: az functionapp keys list -g ${values.resourceGroup} -n ${values.functionAppName} --query functionKeys.default -o tsv\n` +
              `  (azd env set DASHBOARD_URL_WITH_KEY true prints the URL with its key here)`,
          );
        return { started, dashboardUrl: url };
      }
      last = `HTTP ${answer.status}: ${mask(answer.message, key)}`;
      if (!isTransient(answer.status))
        throw new Error(`postdeploy: POST ${values.appUrl}/api/pipeline/start was refused: ${last}`);
    }
    if (attempt < attempts) {
      deps.log(
        `The app is not ready yet (${last}); trying again in ${delay.toHuman()} (${attempt}/${attempts}).`,
      );
      await deps.sleep(delay);
    }
  }
  throw new Error(
    `postdeploy: the pipeline did not start after ${attempts} attempts; last: ${last}. ` +
      `Run "azd hooks run postdeploy" once the app answers: starting is idempotent.`,
  );
}

function text(e: unknown, key?: string): string {
  return mask(e instanceof Error ? e.message : String(e), key);
}

/** The text with the key, should an answer ever echo it, masked. */
function mask(t: string, key: string | undefined): string {
  return key ? t.split(key).join('***') : t;
}
