/**
 * postprovision: creates the Kusto objects as the deploying identity and stores the Office 365 client secret in
 * Key Vault. The app itself holds only Ingestor + Viewer on its database, so every table, mapping, function and
 * policy is created here, by whoever runs `azd up`. Both steps are idempotent: the Kusto commands are
 * `.create-merge` / `.create-or-alter`, and the secret is written only when the vault holds a different value (an
 * unchanged secret gets no new version).
 *
 * The deployer's Key Vault role is granted by the same deployment, and Azure role assignments take a few minutes to
 * reach the vault, so a 403 from the vault is retried for a while before it is reported.
 */
import type { TokenCredential } from '@azure/identity';
import { Duration } from 'luxon';
import type { ProvisionValues } from '../azd-env';

/** The settings handed to the Kusto setup (the `kusto` part of the app's settings): the objects to create and where. */
export interface KustoSetupSettings {
  clusterUrl: string;
  /** Unused by the setup; part of the settings shape the setup takes. */
  ingestUrl: string;
  database: string;
  table: string;
  telemetryTable: string;
  ingestionMode: 'queued' | 'streaming';
  /** Ingestion batching time of both tables; undefined = the setup's default. */
  batchingSeconds?: number;
}

/** `applyKustoSetup` of src/kusto/setup.ts, injected so tests can point it at the local Kusto endpoint. */
export type ApplyKustoSetup = (
  settings: KustoSetupSettings,
  options?: { credential?: TokenCredential; log?: (line: string) => void },
) => Promise<{ applied: number }>;

/** The Key Vault operations the hook needs. `get` answers undefined when the secret does not exist. */
export interface SecretStore {
  get(vaultUrl: string, name: string): Promise<string | undefined>;
  set(vaultUrl: string, name: string, value: string): Promise<void>;
}

export interface ProvisionDeps {
  applyKustoSetup: ApplyKustoSetup;
  secrets: SecretStore;
  /** The deploying identity (azd's login); undefined for the local endpoint, which takes no token. */
  credential?: TokenCredential;
  log(line: string): void;
  sleep(duration: Duration): Promise<void>;
}

export interface ProvisionOptions {
  /** Attempts at the vault while it answers 403 (a new role assignment not yet in effect). */
  vaultAttempts?: number;
  /** Pause between those attempts. */
  vaultDelay?: Duration;
}

export interface ProvisionResult {
  kustoCommands: number;
  secret: 'stored' | 'unchanged' | 'not given';
}

export async function postprovision(
  values: ProvisionValues,
  deps: ProvisionDeps,
  options: ProvisionOptions = {},
): Promise<ProvisionResult> {
  const { kusto } = values;
  deps.log(
    `Creating Kusto tables ${kusto.table} and ${kusto.telemetryTable} (${kusto.ingestionMode} ingestion) in ${kusto.clusterUrl}/${kusto.database} as the deploying identity ...`,
  );
  let applied: number;
  try {
    ({ applied } = await deps.applyKustoSetup(
      { ...kusto },
      { ...(deps.credential ? { credential: deps.credential } : {}), log: (line) => deps.log(`  ${line}`) },
    ));
  } catch (e) {
    throw new Error(
      `postprovision: the Kusto setup on ${kusto.clusterUrl}/${kusto.database} failed: ${message(e)}\n` +
        `The identity running azd needs Admin on that database (infra/main.bicep grants it to the principal azd ` +
        `deploys as); after fixing it, run "azd hooks run postprovision": every command is idempotent.`,
      { cause: e },
    );
  }
  deps.log(`Kusto setup done: ${applied} commands applied.`);

  let secret: ProvisionResult['secret'] = 'not given';
  if (values.secret) {
    const { vaultUrl, name, value } = values.secret;
    const attempts = options.vaultAttempts ?? 12;
    const delay = options.vaultDelay ?? Duration.fromObject({ seconds: 20 });
    for (let attempt = 1; ; attempt++) {
      try {
        const current = await deps.secrets.get(vaultUrl, name);
        if (current === value) {
          secret = 'unchanged';
          deps.log(`Key Vault secret "${name}" in ${vaultUrl} already holds O365_CLIENT_SECRET; left as is.`);
        } else {
          await deps.secrets.set(vaultUrl, name, value);
          secret = 'stored';
          deps.log(`Stored O365_CLIENT_SECRET as Key Vault secret "${name}" in ${vaultUrl}.`);
        }
        break;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 403 && attempt < attempts) {
          deps.log(
            `Key Vault ${vaultUrl} refused access (403); a new role assignment takes a few minutes to apply: trying again in ${delay.toHuman()} (${attempt}/${attempts}).`,
          );
          await deps.sleep(delay);
          continue;
        }
        // No `cause`: an SDK error carries the request, whose body is the secret.
        throw new Error(
          `postprovision: writing Key Vault secret "${name}" in ${vaultUrl} failed: ${message(e, value)}\n` +
            `The identity running azd needs "Key Vault Secrets Officer" on that vault.`,
        );
      }
    }
  } else {
    deps.log(
      'No O365_CLIENT_SECRET in the azd environment: the Key Vault secret is left as is (azd env set O365_CLIENT_SECRET <secret>, then azd provision, to store one).',
    );
  }
  return { kustoCommands: applied, secret };
}

/** An error's message with the secret value, should a client ever echo it, masked. */
function message(e: unknown, secret?: string): string {
  const text = e instanceof Error ? e.message : String(e);
  return secret ? text.split(secret).join('***') : text;
}
