/**
 * The azd hooks (infra/hooks) run locally with their Azure calls injected: the Kusto setup against the local Kusto
 * endpoint, an in-memory Key Vault, and the real ARM-key and start-request clients against loopback stand-ins.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client } from 'azure-kusto-data';
import { Duration } from 'luxon';
import { HookSettingsError, readDeployValues, readProvisionValues } from '../../infra/hooks/azd-env';
import { armFunctionKey, httpStart, keyVaultSecrets } from '../../infra/hooks/azure';
import { dashboardUrl, postdeploy, type DeployDeps } from '../../infra/hooks/steps/deploy';
import { type ApplyKustoSetup, postprovision, type SecretStore } from '../../infra/hooks/steps/provision';
import { connectionFor } from '../../src/kusto/connection';
import { createMappingCommand, createMergeTableCommand } from '../../src/kusto/table-commands';
import { ensureLocalCertificate } from '../../local/tls';
import { DB, type Harness, startHarness } from '../harness/kusto-local';

const SECRET = 'not-a-real-secret-value-4f1c';
const noSleep = async (): Promise<void> => {};
const KEY = 'function-key-value-9b2e';

/** A Key Vault in memory that counts writes (each write is a new secret version on Azure). */
function fakeVault(): SecretStore & { writes: number; values: Map<string, string> } {
  const values = new Map<string, string>();
  const vault = {
    writes: 0,
    values,
    get: async (url: string, name: string) => values.get(`${url}|${name}`),
    set: async (url: string, name: string, value: string) => {
      vault.writes++;
      values.set(`${url}|${name}`, value);
    },
  };
  return vault;
}

/**
 * Stands in for applyKustoSetup (src/kusto/setup.ts): creates both tables and the alerts mapping with the
 * idempotent commands, on the cluster and database the hook hands over.
 */
const localSetup: ApplyKustoSetup = async (settings, options) => {
  assert.equal(options?.credential, undefined, 'no credential is handed over for the local endpoint');
  const client = new Client(connectionFor(settings.clusterUrl, settings.database, undefined));
  try {
    const commands = [
      createMergeTableCommand(settings.table),
      createMappingCommand(settings.table),
      `.create-merge table ${settings.telemetryTable} (Timestamp:datetime, RunId:string, Outcome:string)`,
    ];
    for (const command of commands) await client.executeMgmt(settings.database, command);
    return { applied: commands.length };
  } finally {
    client.close();
  }
};

function provisionEnv(kustoUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    KUSTO_CLUSTER_URL: kustoUrl,
    KUSTO_DATABASE: DB,
    KUSTO_TABLE: 'SocAlerts',
    KEY_VAULT_NAME: 'kv-test',
    ...extra,
  };
}

describe('postprovision values', () => {
  it('defaults the telemetry table, ingestion mode and secret name, and derives the vault URL from its name', () => {
    const v = readProvisionValues(provisionEnv('http://127.0.0.1:1', { O365_CLIENT_SECRET: SECRET }));
    assert.deepEqual(v.kusto, {
      clusterUrl: 'http://127.0.0.1:1',
      ingestUrl: 'http://127.0.0.1:1',
      database: DB,
      table: 'SocAlerts',
      telemetryTable: 'O365PipelineRuns',
      ingestionMode: 'queued',
    });
    assert.deepEqual(v.secret, {
      vaultUrl: 'https://kv-test.vault.azure.net',
      name: 'o365-client-secret',
      value: SECRET,
    });
    assert.equal(
      readProvisionValues(provisionEnv('http://x', { KUSTO_STREAMING_INGESTION: 'true' })).kusto
        .ingestionMode,
      'streaming',
    );
    const cluster = readProvisionValues(
      provisionEnv('https://adxabc.westeurope.kusto.windows.net/', { KUSTO_BATCHING_SECONDS: '20' }),
    ).kusto;
    assert.equal(cluster.clusterUrl, 'https://adxabc.westeurope.kusto.windows.net');
    assert.equal(cluster.ingestUrl, 'https://ingest-adxabc.westeurope.kusto.windows.net');
    assert.equal(cluster.batchingSeconds, 20);
  });

  it('lists every problem at once, each naming its value, without echoing the secret', () => {
    let error: unknown;
    try {
      readProvisionValues({
        KUSTO_TABLE: 'bad table',
        KUSTO_INGESTION_MODE: 'fast',
        KUSTO_BATCHING_SECONDS: '5',
        O365_CLIENT_SECRET: SECRET,
        O365_CLIENT_SECRET_NAME: 'bad_name',
      });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof HookSettingsError);
    for (const name of [
      'KUSTO_CLUSTER_URL',
      'KUSTO_DATABASE',
      'KUSTO_TABLE',
      'KUSTO_INGESTION_MODE',
      'KUSTO_BATCHING_SECONDS',
      'KEY_VAULT_URL',
      'O365_CLIENT_SECRET_NAME',
    ])
      assert.match(error.message, new RegExp(name));
    assert.ok(!error.message.includes(SECRET));
  });
});

describe('postprovision against the local Kusto endpoint', () => {
  let kusto: Harness;
  before(async () => {
    kusto = await startHarness();
  });
  after(async () => {
    await kusto.close();
  });

  it('creates both tables, stores the secret once, and a second run changes nothing', async () => {
    const vault = fakeVault();
    const lines: string[] = [];
    const values = readProvisionValues(provisionEnv(kusto.kusto.url, { O365_CLIENT_SECRET: SECRET }));
    const deps = {
      applyKustoSetup: localSetup,
      secrets: vault,
      log: (l: string) => lines.push(l),
      sleep: noSleep,
    };

    const first = await postprovision(values, deps);
    assert.deepEqual(first, { kustoCommands: 3, secret: 'stored' });
    const tables = (await kusto.mgmt('.show tables')).map((r) => r.TableName);
    assert.ok(
      tables.includes('SocAlerts') && tables.includes('O365PipelineRuns'),
      `tables: ${tables.join(', ')}`,
    );
    assert.equal(vault.values.get('https://kv-test.vault.azure.net|o365-client-secret'), SECRET);

    const second = await postprovision(values, deps);
    assert.deepEqual(second, { kustoCommands: 3, secret: 'unchanged' });
    assert.equal(vault.writes, 1, 'an unchanged secret gets no new version');
    assert.deepEqual((await kusto.mgmt('.show tables')).map((r) => r.TableName).sort(), [...tables].sort());
    assert.ok(!lines.some((l) => l.includes(SECRET)), 'no log line holds the secret');
  });

  it('writes a changed secret and leaves the vault alone when no secret is given', async () => {
    const vault = fakeVault();
    const deps = { applyKustoSetup: localSetup, secrets: vault, log: () => {}, sleep: noSleep };
    await postprovision(
      readProvisionValues(provisionEnv(kusto.kusto.url, { O365_CLIENT_SECRET: SECRET })),
      deps,
    );
    const changed = await postprovision(
      readProvisionValues(provisionEnv(kusto.kusto.url, { O365_CLIENT_SECRET: `${SECRET}-rotated` })),
      deps,
    );
    assert.equal(changed.secret, 'stored');
    assert.equal(vault.writes, 2);
    const none = await postprovision(readProvisionValues(provisionEnv(kusto.kusto.url)), deps);
    assert.equal(none.secret, 'not given');
    assert.equal(vault.writes, 2);
  });

  it('a failing Kusto setup names the database and the Admin right the deploying identity needs', async () => {
    const values = readProvisionValues(provisionEnv(kusto.kusto.url));
    await assert.rejects(
      postprovision(values, {
        applyKustoSetup: async () => {
          throw new Error('Forbidden (403): principal is not authorized');
        },
        secrets: fakeVault(),
        log: () => {},
        sleep: noSleep,
      }),
      (e: Error) => /LocalTests/.test(e.message) && /Admin/.test(e.message) && /403/.test(e.message),
    );
  });

  it('waits out a vault that refuses (403) while a new role assignment applies, up to its attempts', async () => {
    const values = readProvisionValues(provisionEnv(kusto.kusto.url, { O365_CLIENT_SECRET: SECRET }));
    const vault = fakeVault();
    let refusals = 2;
    const slow: SecretStore = {
      get: async (url, name) => {
        if (refusals-- > 0) throw Object.assign(new Error('Forbidden'), { statusCode: 403 });
        return vault.get(url, name);
      },
      set: vault.set,
    };
    const sleeps: Duration[] = [];
    const deps = {
      applyKustoSetup: localSetup,
      secrets: slow,
      log: () => {},
      sleep: async (d: Duration) => {
        sleeps.push(d);
      },
    };
    assert.equal((await postprovision(values, deps)).secret, 'stored');
    assert.equal(sleeps.length, 2);
    assert.equal(vault.writes, 1);

    refusals = Infinity;
    await assert.rejects(
      postprovision(values, deps, { vaultAttempts: 3 }),
      (e: Error) => /Forbidden/.test(e.message) && /Key Vault Secrets Officer/.test(e.message),
    );
    assert.equal(sleeps.length, 4, 'two more waits, then the third refusal is reported');
  });

  it('a failing vault write says which role is missing and masks the secret if the error echoes it', async () => {
    const values = readProvisionValues(provisionEnv(kusto.kusto.url, { O365_CLIENT_SECRET: SECRET }));
    await assert.rejects(
      postprovision(values, {
        applyKustoSetup: localSetup,
        secrets: {
          get: async () => undefined,
          set: async (_u, _n, value) => {
            throw new Error(`Forbidden: cannot write ${value}`);
          },
        },
        log: () => {},
        sleep: noSleep,
      }),
      (e: Error) => /Key Vault Secrets Officer/.test(e.message) && !e.message.includes(SECRET),
    );
  });
});

/** A loopback server answering each request with the next scripted reply; records what it was asked. */
async function scripted(reply: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{
  url: string;
  server: Server;
  seen: { method?: string; url?: string; headers: IncomingMessage['headers'] }[];
}> {
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      reply(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('postdeploy against loopback ARM and app stand-ins', () => {
  const token = {
    getToken: async () => ({ token: 'arm-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
  let arm: Awaited<ReturnType<typeof scripted>>;
  let app: Awaited<ReturnType<typeof scripted>>;
  let running = false;
  let startsBeforeReady = 1;

  before(async () => {
    arm = await scripted((req, _body, res) => {
      if (req.headers.authorization !== 'Bearer arm-token')
        return json(res, 401, { error: { code: 'AuthenticationFailed' } });
      if (
        req.method === 'POST' &&
        /\/providers\/Microsoft\.Web\/sites\/func-test\/host\/default\/listKeys\?api-version=/.test(
          req.url ?? '',
        )
      )
        return json(res, 200, { masterKey: 'master', functionKeys: { default: KEY }, systemKeys: {} });
      json(res, 404, { error: { code: 'ResourceNotFound', message: 'no such app' } });
    });
    app = await scripted((req, _body, res) => {
      if (req.url !== '/api/pipeline/start' || req.method !== 'POST') return json(res, 404, {});
      if (startsBeforeReady-- > 0) return json(res, 503, { error: 'Function host is not running.' });
      if (req.headers['x-functions-key'] !== KEY) return json(res, 401, {});
      const body = { instanceId: 'o365-pipeline', statusQueryGetUri: `${app.url}/status?code=systemkey` };
      if (running) return json(res, 200, { message: 'The pipeline is already running.', ...body });
      running = true;
      json(res, 202, { message: 'The pipeline was started.', ...body });
    });
  });
  after(() => {
    arm.server.close();
    app.server.close();
  });

  function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
      AZURE_RESOURCE_GROUP: 'rg-test',
      AZURE_FUNCTION_APP_NAME: 'func-test',
      FUNCTION_APP_URL: app.url,
      AZURE_RESOURCE_MANAGER_URL: arm.url,
      ...extra,
    };
  }
  function deps(lines: string[], sleeps: Duration[]): DeployDeps {
    return {
      functionKey: armFunctionKey(token),
      start: httpStart(),
      sleep: async (d) => {
        sleeps.push(d);
      },
      log: (l) => lines.push(l),
    };
  }

  it('waits out a cold app, starts the pipeline once, and a second run finds it running', async () => {
    const lines: string[] = [];
    const sleeps: Duration[] = [];
    const first = await postdeploy(readDeployValues(env()), deps(lines, sleeps), {
      delay: Duration.fromObject({ seconds: 15 }),
    });
    assert.equal(first.started, 'started');
    assert.equal(sleeps.length, 1, 'one retry after the 503');
    assert.equal(first.dashboardUrl, dashboardUrl(app.url, KEY));
    const starts = app.seen.filter((s) => s.url === '/api/pipeline/start');
    assert.ok(
      starts.every((s) => !s.url?.includes(KEY)),
      'the key travels in a header, not in the URL',
    );
    assert.equal(
      arm.seen
        .at(-1)
        ?.url?.includes('/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test/'),
      true,
    );

    const second = await postdeploy(readDeployValues(env()), deps(lines, sleeps));
    assert.equal(second.started, 'already running');
    assert.ok(lines.some((l) => l.includes(`${app.url}/api/pipeline/dashboard?code=<function key>`)));
    assert.ok(!lines.some((l) => l.includes(KEY) || l.includes('systemkey')), 'no log line holds a key');
  });

  it('prints the dashboard URL with its key only when DASHBOARD_URL_WITH_KEY is true', async () => {
    const lines: string[] = [];
    await postdeploy(readDeployValues(env({ DASHBOARD_URL_WITH_KEY: 'true' })), deps(lines, []));
    assert.ok(lines.some((l) => l.includes(`/api/pipeline/dashboard?code=${KEY}`)));
  });

  it('stops at once on a refusal that waiting cannot fix, and after the attempts on one that persists', async () => {
    const refusing: DeployDeps = {
      ...deps([], []),
      start: async () => ({ status: 400, message: 'bad body' }),
    };
    await assert.rejects(postdeploy(readDeployValues(env()), refusing), /refused: HTTP 400: bad body/);
    let calls = 0;
    const down: DeployDeps = {
      ...deps([], []),
      start: async () => {
        calls++;
        throw new Error('connect ECONNREFUSED');
      },
    };
    await assert.rejects(
      postdeploy(readDeployValues(env()), down, { attempts: 3 }),
      /after 3 attempts.*ECONNREFUSED/,
    );
    assert.equal(calls, 3);
  });

  it('retries a key lookup the host cannot answer yet, and stops at once when ARM refuses', async () => {
    let lookups = 0;
    const sleeps: Duration[] = [];
    const coldHost: DeployDeps = {
      ...deps([], sleeps),
      functionKey: async (v) => {
        if (++lookups === 1) throw new Error('the app has no function key named "default"');
        return armFunctionKey(token)(v);
      },
    };
    const result = await postdeploy(readDeployValues(env()), coldHost);
    assert.equal(result.started, 'already running');
    assert.equal(lookups, 2);
    assert.equal(sleeps.length, 1);

    const refused: DeployDeps = {
      ...deps([], []),
      functionKey: async () => {
        throw Object.assign(new Error('ARM answered HTTP 403 AuthorizationFailed: no listKeys'), {
          status: 403,
        });
      },
    };
    await assert.rejects(
      postdeploy(readDeployValues(env()), refused),
      /AuthorizationFailed[\s\S]*Website Contributor/,
    );
  });

  it('a missing app in ARM fails with the role it needs', async () => {
    await assert.rejects(
      postdeploy(readDeployValues(env({ AZURE_FUNCTION_APP_NAME: 'func-other' })), deps([], [])),
      (e: Error) =>
        /func-other/.test(e.message) &&
        /HTTP 404 ResourceNotFound/.test(e.message) &&
        /listKeys/.test(e.message),
    );
  });

  it('lists every missing deploy value at once', () => {
    assert.throws(
      () => readDeployValues({}),
      (e: Error) =>
        [
          'AZURE_SUBSCRIPTION_ID',
          'AZURE_RESOURCE_GROUP',
          'AZURE_FUNCTION_APP_NAME',
          'FUNCTION_APP_URL',
        ].every((n) => e.message.includes(n)),
    );
  });
});

describe('azure.yaml hooks', () => {
  const ROOT = path.join(__dirname, '..', '..');
  const text = readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8');
  /** The `hooks:` block: from its key to the next top-level key. */
  const block = /^hooks:\n((?:[ #].*\n|\n)*)/m.exec(text)?.[1] ?? '';

  for (const hook of ['postprovision', 'postdeploy']) {
    it(`${hook} runs infra/hooks/${hook}.ts with node and tsx on POSIX shells and PowerShell`, () => {
      const section = new RegExp(`^  ${hook}:\\n((?:    .*\\n)+)`, 'm').exec(block)?.[1] ?? '';
      for (const [os, shell] of [
        ['posix', 'sh'],
        ['windows', 'pwsh'],
      ] as const) {
        const step = new RegExp(`^    ${os}:\\n((?:      .*\\n)+)`, 'm').exec(section)?.[1] ?? '';
        assert.match(step, new RegExp(`^      shell: ${shell}$`, 'm'), `${hook}.${os} uses ${shell}`);
        assert.match(step, new RegExp(`^      run: .*node --import tsx infra/hooks/${hook}\\.ts`, 'm'));
      }
      assert.ok(existsSync(path.join(ROOT, 'infra', 'hooks', `${hook}.ts`)));
    });
  }
});

describe('the Key Vault client against a loopback vault', () => {
  /** Secrets by name, each write a new version; a request without a bearer token gets Key Vault's challenge. */
  const versions = new Map<string, string[]>();
  let server: Server;
  let vaultUrl: string;
  const token = { getToken: async () => ({ token: 'kv-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };

  before(async () => {
    const { cert, key } = ensureLocalCertificate();
    server = createHttpsServer({ cert, key }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.headers.authorization !== 'Bearer kv-token') {
          res
            .writeHead(401, {
              'www-authenticate':
                'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
            })
            .end();
          return;
        }
        const m = /^\/secrets\/([^/?]+)\/?(?:[^/?]*)?\?/.exec(req.url ?? '');
        const name = m?.[1] ?? '';
        const id = `${vaultUrl}/secrets/${name}/v${versions.get(name)?.length ?? 0}`;
        if (req.method === 'GET') {
          const value = versions.get(name)?.at(-1);
          if (value === undefined)
            return json(res, 404, {
              error: {
                code: 'SecretNotFound',
                message: `A secret with (name/id) ${name} was not found in this key vault.`,
              },
            });
          return json(res, 200, { value, id, attributes: { enabled: true } });
        }
        if (req.method === 'PUT') {
          const { value } = JSON.parse(body) as { value: string };
          versions.set(name, [...(versions.get(name) ?? []), value]);
          return json(res, 200, { value, id, attributes: { enabled: true } });
        }
        json(res, 405, {});
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    vaultUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('reads a missing secret as absent, then stores it once across two hook runs', async () => {
    const secrets = keyVaultSecrets(token, {
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 0 },
    });
    assert.equal(await secrets.get(vaultUrl, 'o365-client-secret'), undefined);
    const values = {
      kusto: readProvisionValues(provisionEnv('http://127.0.0.1:1')).kusto,
      secret: { vaultUrl, name: 'o365-client-secret', value: SECRET },
    };
    const deps = { applyKustoSetup: async () => ({ applied: 0 }), secrets, log: () => {}, sleep: noSleep };
    assert.equal((await postprovision(values, deps)).secret, 'stored');
    assert.equal((await postprovision(values, deps)).secret, 'unchanged');
    assert.deepEqual(versions.get('o365-client-secret'), [SECRET], 'one version');
  });
});
