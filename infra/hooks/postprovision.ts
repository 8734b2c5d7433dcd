/**
 * azd postprovision hook (azure.yaml): `node --import tsx infra/hooks/postprovision.ts`.
 * Creates the Kusto objects as the deploying identity and stores O365_CLIENT_SECRET in Key Vault when given.
 * What it does and why: steps/provision.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isLocalEndpoint } from '../../src/kusto/connection';
import { applyKustoSetup } from '../../src/kusto/setup';
import { readProvisionValues } from './azd-env';
import { deployingIdentity, keyVaultSecrets } from './azure';
import { postprovision } from './steps/provision';

async function main(): Promise<void> {
  const values = readProvisionValues(process.env);
  const credential = deployingIdentity();
  await postprovision(values, {
    applyKustoSetup,
    secrets: keyVaultSecrets(credential),
    credential: isLocalEndpoint(values.kusto.clusterUrl) ? undefined : credential,
    log: (line) => console.log(line),
    sleep: (d) => sleep(d.toMillis()),
  });
}

main().catch((e: unknown) => {
  // The message only: SDK errors carry requests whose bodies may hold the secret.
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
