/**
 * azd postdeploy hook (azure.yaml): `node --import tsx infra/hooks/postdeploy.ts`.
 * Starts the pipeline on the deployed app and prints its dashboard URL. What it does and why: steps/deploy.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readDeployValues } from './azd-env';
import { armFunctionKey, deployingIdentity, httpStart } from './azure';
import { postdeploy } from './steps/deploy';

async function main(): Promise<void> {
  const values = readDeployValues(process.env);
  await postdeploy(values, {
    functionKey: armFunctionKey(deployingIdentity()),
    start: httpStart(),
    sleep: (d) => sleep(d.toMillis()),
    log: (line) => console.log(line),
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
