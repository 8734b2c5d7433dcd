import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseBicep } from './bicep';
import { readSimpleYaml, type YamlMap } from './simple-yaml';

const ROOT = path.join(__dirname, '..', '..');

function map(value: string | YamlMap | undefined, what: string): YamlMap {
  assert.ok(value !== undefined && typeof value === 'object', `${what} is a mapping`);
  return value;
}

describe('azure.yaml', () => {
  const yaml = readSimpleYaml(readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8'));

  it('provisions infra/main.bicep with the Bicep provider', () => {
    const infra = map(yaml.infra, 'infra');
    assert.equal(infra.provider, 'bicep');
    const entry = path.join(ROOT, String(infra.path), `${String(infra.module)}.bicep`);
    assert.equal(path.relative(ROOT, entry), path.join('infra', 'main.bicep'));
    assert.ok(existsSync(entry), 'infra/main.bicep exists');
  });

  it('deploys one TypeScript function service from the package root, to the app tagged with its name', () => {
    const services = map(yaml.services, 'services');
    const names = Object.keys(services);
    assert.deepEqual(names, ['pipeline']);
    const service = map(services.pipeline, 'services.pipeline');
    assert.equal(service.host, 'function');
    assert.equal(service.language, 'ts');
    const project = path.join(ROOT, String(service.project));
    const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { main?: string };
    assert.ok(pkg.main, 'the project has a package.json with a main entry (the Functions v4 entry point)');

    const main = parseBicep(readFileSync(path.join(ROOT, 'infra', 'main.bicep'), 'utf8'));
    assert.equal(main.modules.get('functionApp')?.params.get('azdServiceName'), `'${names[0]}'`);
    const app = parseBicep(readFileSync(path.join(ROOT, 'infra', 'modules', 'functionapp.bicep'), 'utf8'));
    assert.match(app.resources.get('site')?.body ?? '', /'azd-service-name': azdServiceName/);
  });

  it('main.parameters.json maps only params main.bicep declares, and every required one', () => {
    const main = parseBicep(readFileSync(path.join(ROOT, 'infra', 'main.bicep'), 'utf8'));
    const parameters = JSON.parse(readFileSync(path.join(ROOT, 'infra', 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, unknown>;
    };
    const given = Object.keys(parameters.parameters);
    for (const name of given) assert.ok(main.params.has(name), `main.bicep declares ${name}`);
    for (const p of main.params.values())
      if (p.required) assert.ok(given.includes(p.name), `${p.name} is mapped`);
  });
});

describe('the deployment guide', () => {
  it('names every azd environment value main.parameters.json reads', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('## Deploy to Azure');
    assert.ok(start >= 0, 'README has a "Deploy to Azure" section');
    const next = readme.indexOf('\n## ', start + 1);
    const guide = readme.slice(start, next === -1 ? undefined : next);
    const text = readFileSync(path.join(ROOT, 'infra', 'main.parameters.json'), 'utf8');
    const envNames = [...text.matchAll(/\$\{([A-Z0-9_]+)/g)]
      .map((m) => m[1])
      .filter((n) => n !== 'AZURE_ENV_NAME');
    assert.ok(envNames.length > 5);
    for (const name of envNames) assert.ok(guide.includes(name), `the guide mentions ${name}`);
  });
});

describe('the YAML subset reader', () => {
  it('reads nested mappings and quoted scalars, ignoring comments', () => {
    assert.deepEqual(readSimpleYaml('# c\na:\n  b: \'x\' # note\n  c:\n    d: e\nf: "g"\n'), {
      a: { b: 'x', c: { d: 'e' } },
      f: 'g',
    });
  });

  it('refuses lists and duplicate keys rather than misreading them', () => {
    assert.throws(() => readSimpleYaml('a:\n  - b\n'), /only "key: value"/);
    assert.throws(() => readSimpleYaml('a: [b]\n'), /unsupported YAML value/);
    assert.throws(() => readSimpleYaml('a: 1\na: 2\n'), /duplicate key/);
  });
});
