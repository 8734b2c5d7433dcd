/**
 * `npm run kusto-local -- --port N [--state DIR] [--azurite]` — the local Kusto endpoint on its own. With --azurite an
 * Azurite is started too (ports 10000-10002, data under .local/azurite) so queued ingestion works; without it only
 * streaming ingestion is served. Point the SDK (or KUSTO_CLUSTER_URL) at the printed URL.
 */
import { parseArgs } from 'node:util';
import { type RunningAzurite, startAzurite } from '../azurite';
import { startKustoLocal } from './index';
import { parseRoles } from './principals';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      state: { type: 'string' },
      azurite: { type: 'boolean', default: false },
      roles: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run kusto-local -- [--port N] [--state DIR] [--azurite] [--roles admin|ingestor,viewer]\n' +
        '  --port     listen port on 127.0.0.1 (default LOCAL_KUSTO_PORT or 8080; 0 = any free port)\n' +
        '  --state    state directory (default .local/kusto)\n' +
        '  --azurite  also start Azurite (10000-10002) and serve queued ingestion\n' +
        '  --roles    roles of unauthenticated requests (default admin)\n',
    );
    return;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw new Error(`--port must be an integer between 0 and 65535, got '${values.port}'`);
  let azurite: RunningAzurite | undefined;
  if (values.azurite) {
    azurite = await startAzurite();
    process.stdout.write(`Azurite blob ${azurite.blobUrl}, queue ${azurite.queueUrl}\n`);
  }
  const kusto = await startKustoLocal({
    port,
    stateDir: values.state,
    azurite,
    defaultRoles: values.roles ? [...parseRoles(values.roles)] : undefined,
  });
  process.stdout.write(
    `Local Kusto endpoint at ${kusto.url} (queued ingestion ${azurite ? 'on' : 'off: pass --azurite'}). Ctrl+C stops it.\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void kusto
      .close()
      .then(() => azurite?.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`kusto-local: ${(error as Error).message}\n`);
  process.exit(1);
});
