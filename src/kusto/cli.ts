/**
 * `npm run kql -- "<query or .command>" [--json]`: runs KQL against whichever cluster the settings name (the local
 * endpoint on http://127.0.0.1:8080, database O365, when KUSTO_CLUSTER_URL is unset) and prints the rows as an
 * aligned table, or one JSON object per line with --json.
 */
import { cliKustoSettings, runCli } from './cli-settings';
import { formatTable } from './format-table';
import { KustoSink } from './sink';

const USAGE = 'usage: npm run kql -- "<KQL query or .management command>" [--json]';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const text = argv
    .filter((a) => a !== '--json')
    .join(' ')
    .trim();
  if (text === '' || argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(`${USAGE}\n`);
    return text === '' ? 2 : 0;
  }
  const settings = cliKustoSettings(process.env);
  const sink = new KustoSink(settings);
  try {
    const rows = await sink.query(text);
    if (json) for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
    else process.stdout.write(`${formatTable(rows)}\n`);
    process.stderr.write(`${rows.length} row(s) from ${settings.clusterUrl} / ${settings.database}\n`);
    return 0;
  } finally {
    await sink.close();
  }
}

runCli(main);
