/**
 * `npm run kusto:setup`: creates (or brings up to date) the pipeline's Kusto objects — alerts and telemetry tables,
 * their JSON mappings, ingestion batching policy, streaming policy in streaming mode, and the shipped functions — as
 * whoever runs it (your `az login` / azd identity, which needs database Admin). Settings as for `npm run kql`:
 * KUSTO_CLUSTER_URL, KUSTO_DATABASE, KUSTO_TABLE, KUSTO_TELEMETRY_TABLE, KUSTO_INGESTION_MODE, KUSTO_BATCHING_SECONDS;
 * with KUSTO_CLUSTER_URL unset it sets up the local Kusto endpoint. Safe to run any number of times.
 */
import { cliKustoSettings, runCli } from './cli-settings';
import { applyKustoSetup } from './setup';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(
      'usage: npm run kusto:setup   (settings from the environment, see docs/deploy.md)\n',
    );
    return 0;
  }
  const settings = cliKustoSettings(process.env);
  process.stderr.write(`Setting up Kusto objects in ${settings.clusterUrl} / ${settings.database}\n`);
  const { applied } = await applyKustoSetup(settings, {
    log: (line) => process.stderr.write(`  ${line}\n`),
  });
  process.stdout.write(`${applied} setup command(s) applied to ${settings.database}.\n`);
  return 0;
}

runCli(main);
