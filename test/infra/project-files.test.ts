/**
 * The files an Azure Functions project is expected to carry, parsed the way their tools parse them: the GitHub
 * workflows (YAML), the dev container and VS Code recommendations (JSON), local.settings.json.example (JSON, every
 * setting the app reads) and package.json's Node range.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DEMO_CREDENTIALS } from '../../local/o365-sim';
import { codeSettingNames } from './code-settings';

const ROOT = path.join(__dirname, '..', '..');
const text = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<
    string,
    { strategy?: { matrix: Record<string, string[]> }; env?: Record<string, string>; steps: Step[] }
  >;
}

describe('.github/workflows/ci.yml', () => {
  const wf = parse(text('.github/workflows/ci.yml')) as Workflow;
  const job = Object.values(wf.jobs)[0];

  it('runs on pushes and pull requests with read-only permissions', () => {
    assert.ok('push' in wf.on && 'pull_request' in wf.on);
    assert.deepEqual(wf.permissions, { contents: 'read' });
  });

  it('runs .ci/run on Node 20 and Node 22 set up by actions/setup-node', () => {
    assert.deepEqual(job.strategy?.matrix.node, ['20', '22']);
    const setupNode = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    assert.equal(setupNode?.with?.['node-version'], '${{ matrix.node }}');
    assert.ok(
      job.steps.some((s) => /(^|\s)(bash )?\.ci\/run\b/.test(s.run ?? '')),
      'a step runs .ci/run',
    );
  });

  it('gives infra:build a compiler: the .NET SDK that restores Bicep from NuGet', () => {
    assert.ok(job.steps.some((s) => s.uses?.startsWith('actions/setup-dotnet@')));
  });
});

describe('.github/workflows/azure-dev.yml', () => {
  const wf = parse(text('.github/workflows/azure-dev.yml')) as Workflow;
  const job = Object.values(wf.jobs)[0];
  const runs = job.steps.map((s) => s.run ?? '').join('\n');

  it('signs in with a federated credential (OIDC), never a stored secret', () => {
    assert.equal(wf.permissions?.['id-token'], 'write');
    assert.match(runs, /azd auth login[\s\S]*--federated-credential-provider github/);
    assert.doesNotMatch(text('.github/workflows/azure-dev.yml'), /secrets\.|client-secret|AZURE_CREDENTIALS/);
  });

  it('takes the variables azd pipeline config sets, and provisions then deploys', () => {
    for (const name of [
      'AZURE_CLIENT_ID',
      'AZURE_TENANT_ID',
      'AZURE_SUBSCRIPTION_ID',
      'AZURE_ENV_NAME',
      'AZURE_LOCATION',
    ])
      assert.equal(job.env?.[name], `\${{ vars.${name} }}`, name);
    assert.ok(job.steps.some((s) => s.uses?.startsWith('Azure/setup-azd@')));
    assert.ok(
      runs.indexOf('azd provision') >= 0 && runs.indexOf('azd provision') < runs.indexOf('azd deploy'),
    );
  });

  it('passes every deployment choice main.parameters.json reads from the environment', () => {
    const envNames = [...text('infra/main.parameters.json').matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]);
    const given = new Set(Object.keys(job.env ?? {}));
    for (const name of [
      'AZURE_ENV_NAME',
      'AZURE_LOCATION',
      'AZURE_PRINCIPAL_TYPE',
      'ENVIRONMENT_PROFILE',
      'PUBLIC_NETWORK_ACCESS',
    ])
      assert.ok(envNames.includes(name) && given.has(name), `${name} is read and passed`);
    assert.equal(job.env?.AZURE_PRINCIPAL_TYPE, 'ServicePrincipal');
  });
});

describe('.devcontainer and .vscode', () => {
  const dev = JSON.parse(text('.devcontainer/devcontainer.json')) as {
    image: string;
    features: Record<string, unknown>;
    forwardPorts: number[];
    customizations: { vscode: { extensions: string[] } };
  };
  const recommended = (JSON.parse(text('.vscode/extensions.json')) as { recommendations: string[] })
    .recommendations;

  it('is Node 22 with Functions Core Tools, azd and the Bicep toolchain', () => {
    assert.match(dev.image, /typescript-node:\d+-22-/);
    const features = Object.keys(dev.features).join('\n');
    assert.match(features, /azure-functions-core-tools/);
    assert.match(features, /azure-dev\/azd/);
    assert.match(features, /azure-cli/);
  });

  it('forwards the Functions host, the stand-ins and Azurite, and installs the Azurite and Functions extensions', () => {
    for (const port of [7071, 8080, 8443, 10000, 10001, 10002])
      assert.ok(dev.forwardPorts.includes(port), String(port));
    for (const ext of [
      'Azurite.azurite',
      'ms-azuretools.vscode-azurefunctions',
      'ms-azuretools.vscode-bicep',
    ]) {
      assert.ok(dev.customizations.vscode.extensions.includes(ext), `devcontainer installs ${ext}`);
      assert.ok(recommended.includes(ext), `.vscode recommends ${ext}`);
    }
  });
});

describe('local.settings.json.example', () => {
  const example = JSON.parse(text('local.settings.json.example')) as {
    IsEncrypted: boolean;
    Values: Record<string, string>;
  };

  it('lists every setting the app reads', () => {
    const missing = [...codeSettingNames()].filter((n) => !(n in example.Values)).sort();
    assert.deepEqual(missing, []);
  });

  it('points func start at Azurite, the O365 simulator and the local Kusto endpoint', () => {
    assert.equal(example.IsEncrypted, false);
    assert.equal(example.Values.FUNCTIONS_WORKER_RUNTIME, 'node');
    assert.equal(example.Values.AzureWebJobsStorage, 'UseDevelopmentStorage=true');
    assert.equal(example.Values.O365_API_URL, 'https://127.0.0.1:8443');
    assert.equal(example.Values.KUSTO_CLUSTER_URL, 'http://127.0.0.1:8080');
    assert.equal(example.Values.NODE_EXTRA_CA_CERTS, '.local/tls/localhost-cert.pem');
  });

  it("holds no secret: the only credential is the simulator's documented demo one", () => {
    assert.equal(example.Values.O365_TENANT_ID, DEMO_CREDENTIALS.tenantId);
    assert.equal(example.Values.O365_CLIENT_ID, DEMO_CREDENTIALS.clientId);
    assert.equal(example.Values.O365_CLIENT_SECRET, DEMO_CREDENTIALS.clientSecret);
    for (const [name, value] of Object.entries(example.Values))
      assert.doesNotMatch(value, /AccountKey=|SharedAccessSignature|sig=/, `${name} carries no key`);
  });

  it('is git-ignored once copied, and never deployed', () => {
    assert.match(text('.gitignore'), /^local\.settings\.json$/m);
    assert.match(text('.funcignore'), /^local\.settings\.json\*$/m);
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(text('package.json')) as {
    engines: { node: string };
    scripts: Record<string, string>;
  };

  it('accepts Node 20 and 22 (the deployed runtime) and nothing newer untested', () => {
    assert.equal(pkg.engines.node, '>=20 <23');
  });

  it('has infra:build run the Bicep build script', () => {
    assert.equal(pkg.scripts['infra:build'], 'node --import tsx scripts/infra-build.ts');
  });
});
