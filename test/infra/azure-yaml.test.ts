import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { deploy, findModule, loadCompiledTemplate } from './arm';

const ROOT = path.join(__dirname, '..', '..');
const template = loadCompiledTemplate();

interface AzureYaml {
  name: string;
  infra: { provider: string; path: string; module: string };
  services: Record<string, { project: string; language: string; host: string }>;
}

describe('azure.yaml', () => {
  const yaml = parse(readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8')) as AzureYaml;

  it('provisions infra/main.bicep with the Bicep provider', () => {
    assert.equal(yaml.infra.provider, 'bicep');
    const entry = path.join(ROOT, yaml.infra.path, `${yaml.infra.module}.bicep`);
    assert.equal(path.relative(ROOT, entry), path.join('infra', 'main.bicep'));
    assert.ok(existsSync(entry), 'infra/main.bicep exists');
  });

  it('deploys one TypeScript function service from the package root, to the app tagged with its name', () => {
    const names = Object.keys(yaml.services);
    assert.deepEqual(names, ['pipeline']);
    const service = yaml.services.pipeline;
    assert.equal(service.host, 'function');
    assert.equal(service.language, 'ts');
    const pkg = JSON.parse(readFileSync(path.join(ROOT, service.project, 'package.json'), 'utf8')) as {
      main?: string;
    };
    assert.ok(pkg.main, 'the project has a package.json with a main entry (the Functions v4 entry point)');

    const site = findModule(deploy(template, { environmentName: 'test' }), 'functionapp')?.resources.find(
      (r) => r.type === 'Microsoft.Web/sites',
    );
    assert.equal((site?.body.tags as Record<string, string>)['azd-service-name'], names[0]);
  });

  it('main.parameters.json maps only params main.bicep declares, and every required one', () => {
    const parameters = JSON.parse(readFileSync(path.join(ROOT, 'infra', 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, unknown>;
    };
    const declared = template.parameters ?? {};
    const given = Object.keys(parameters.parameters);
    for (const name of given) assert.ok(name in declared, `main.bicep declares ${name}`);
    for (const [name, p] of Object.entries(declared))
      if (!('defaultValue' in p)) assert.ok(given.includes(name), `${name} is mapped`);
  });

  it('main.parameters.json gives the deploying principal from azd (AZURE_PRINCIPAL_ID) and no first-run switch', () => {
    const text = readFileSync(path.join(ROOT, 'infra', 'main.parameters.json'), 'utf8');
    assert.match(text, /"deployerPrincipalId": \{ "value": "\$\{AZURE_PRINCIPAL_ID=\}" \}/);
    assert.doesNotMatch(text, /FIRST_RUN|firstRun/);
  });
});

describe('the deployment guide', () => {
  it('names every azd environment value main.parameters.json reads', () => {
    const deployDoc = path.join(ROOT, 'docs', 'deploy.md');
    const guide = existsSync(deployDoc)
      ? readFileSync(deployDoc, 'utf8')
      : (() => {
          const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
          const start = readme.indexOf('## Deploy to Azure');
          assert.ok(start >= 0, 'README has a "Deploy to Azure" section');
          const next = readme.indexOf('\n## ', start + 1);
          return readme.slice(start, next === -1 ? undefined : next);
        })();
    const text = readFileSync(path.join(ROOT, 'infra', 'main.parameters.json'), 'utf8');
    const envNames = [...text.matchAll(/\$\{([A-Z0-9_]+)/g)]
      .map((m) => m[1])
      .filter((n) => n !== 'AZURE_ENV_NAME');
    assert.ok(envNames.length > 5);
    for (const name of envNames) assert.ok(guide.includes(name), `the guide mentions ${name}`);
  });
});
