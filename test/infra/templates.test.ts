import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { objectEntries } from './bicep';
import {
  checkApiVersions,
  checkModuleWiring,
  checkUndeclaredIdentifiers,
  checkUnusedDeclarations,
  loadTemplates,
  type ReadTemplate,
} from './checks';

const ROOT = path.join(__dirname, '..', '..');
const readFromDisk: ReadTemplate = (p) => {
  const abs = path.join(ROOT, p);
  return existsSync(abs) ? readFileSync(abs, 'utf8') : undefined;
};
const fromMap =
  (files: Record<string, string>): ReadTemplate =>
  (p) =>
    files[p];

describe('infra templates', () => {
  const templates = loadTemplates('infra/main.bicep', readFromDisk);

  it('parse, and every module file exists', () => {
    assert.deepEqual(templates.problems, []);
    const expected = [
      'monitoring',
      'identity',
      'storage',
      'keyvault',
      'kusto',
      'kusto-access',
      'durabletask',
      'functionapp',
      'roles',
    ].map((m) => `infra/modules/${m}.bicep`);
    for (const file of expected) assert.ok(templates.files.has(file), `${file} is reached from main.bicep`);
    assert.equal(templates.files.get('infra/main.bicep')?.targetScope, 'resourceGroup');
  });

  it('pass existing params to modules, every required param, and reference only declared outputs', () => {
    assert.deepEqual(checkModuleWiring(templates), []);
  });

  it('declare no param or var that is never used', () => {
    assert.deepEqual(checkUnusedDeclarations(templates), []);
  });

  it('use only declared symbols and Bicep builtins', () => {
    assert.deepEqual(checkUndeclaredIdentifiers(templates), []);
  });

  it('use GA API versions only', () => {
    assert.deepEqual(checkApiVersions(templates), []);
  });

  it('keep the Kusto grant at Admin only while firstRun is set, under one resource name', () => {
    const access = templates.files.get('infra/modules/kusto-access.bicep');
    const grant = access?.resources.get('pipelineGrant');
    assert.ok(grant, 'kusto-access.bicep declares pipelineGrant');
    assert.match(grant.body, /role:\s*firstRun \? 'Admin' : 'Ingestor'/);
    const main = templates.files.get('infra/main.bicep');
    assert.equal(main?.params.get('firstRun')?.defaultValue, 'true');
    assert.equal(main?.modules.get('kustoAccess')?.params.get('firstRun'), 'firstRun');
  });

  it('assign only role ids the roles module defines, each a built-in role GUID', () => {
    const roles = templates.files.get('infra/modules/roles.bicep');
    assert.ok(roles);
    const defined = new Map(
      objectEntries(roles.vars.get('roleIds')?.expression ?? '{}').map((e) => [e.key, e.value]),
    );
    assert.ok(defined.size >= 7, 'roleIds lists the roles');
    for (const value of defined.values())
      assert.match(value, /^'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'$/);
    const used = [...roles.code.matchAll(/roleIds\.(\w+)/g)].map((m) => m[1]);
    for (const name of used) assert.ok(defined.has(name), `roleIds.${name} is defined`);
    assert.deepEqual(new Set(used), new Set(defined.keys()), 'every defined role is assigned');
  });

  it('turn shared keys off on Flex Consumption and public blob access off', () => {
    const main = templates.files.get('infra/main.bicep');
    assert.equal(main?.modules.get('storage')?.params.get('allowSharedKeyAccess'), '!isFlex');
    const account = templates.files.get('infra/modules/storage.bicep')?.resources.get('account');
    assert.match(account?.body ?? '', /allowBlobPublicAccess: false/);
    assert.match(account?.body ?? '', /allowSharedKeyAccess: allowSharedKeyAccess/);
  });
});

describe('the wiring checks catch broken templates', () => {
  const moduleText = [
    'param required string',
    "param optional string = 'x'",
    'output value string = required',
    'output other string = optional',
  ].join('\n');

  const run = (main: string): string[] => {
    const t = loadTemplates(
      'infra/main.bicep',
      fromMap({ 'infra/main.bicep': main, 'infra/modules/m.bicep': moduleText }),
    );
    return [...t.problems, ...checkModuleWiring(t)];
  };

  it('accepts a correct template', () => {
    const ok = [
      "module m 'modules/m.bicep' = {",
      "  name: 'm'",
      '  params: {',
      "    required: 'a'",
      '  }',
      '}',
      'output v string = m.outputs.value',
    ].join('\n');
    assert.deepEqual(run(ok), []);
  });

  it('reports a param the module does not declare', () => {
    const bad =
      "module m 'modules/m.bicep' = {\n  name: 'm'\n  params: {\n    required: 'a'\n    typo: 'b'\n  }\n}\n";
    assert.deepEqual(run(bad), [
      'infra/main.bicep: module m passes "typo", which modules/m.bicep does not declare',
    ]);
  });

  it('reports a required param that is not passed', () => {
    const bad = "module m 'modules/m.bicep' = {\n  name: 'm'\n  params: {\n    optional: 'b'\n  }\n}\n";
    assert.deepEqual(run(bad), [
      'infra/main.bicep: module m does not pass required param "required" of modules/m.bicep',
    ]);
  });

  it('reports an output the module does not declare, also through ! and inside interpolations', () => {
    const bad = [
      "module m 'modules/m.bicep' = if (c) {",
      "  name: 'm'",
      '  params: {',
      "    required: 'a'",
      '  }',
      '}',
      "output v string = '${m!.outputs.missing}'",
      'output w string = nope.outputs.value',
    ].join('\n');
    assert.deepEqual(run(bad), [
      'infra/main.bicep: m.outputs.missing is not an output of modules/m.bicep',
      'infra/main.bicep: "nope.outputs.value" refers to no module named nope',
    ]);
  });

  it('reports a module file that does not exist and an unparsable module', () => {
    const t = loadTemplates(
      'infra/main.bicep',
      fromMap({
        'infra/main.bicep':
          "module a 'modules/absent.bicep' = {\n  name: 'a'\n}\nmodule b 'modules/b.bicep' = {\n  name: 'b'\n}\n",
        'infra/modules/b.bicep': 'param x string = {\n',
      }),
    );
    assert.equal(t.problems.length, 2);
    assert.match(t.problems[0], /modules\/absent\.bicep does not exist/);
    assert.match(t.problems[1], /infra\/modules\/b\.bicep: cannot parse/);
  });

  it('reports unused params and vars, and preview API versions', () => {
    const t = loadTemplates(
      'infra/main.bicep',
      fromMap({
        'infra/main.bicep': [
          'param used string',
          'param unused string',
          "var alsoUnused = 'x'",
          "resource r 'Microsoft.Foo/bars@2024-01-01-preview' = {",
          '  name: used',
          '}',
        ].join('\n'),
      }),
    );
    assert.deepEqual(checkUnusedDeclarations(t), [
      'infra/main.bicep: param "unused" is never used',
      'infra/main.bicep: var "alsoUnused" is never used',
    ]);
    assert.equal(checkApiVersions(t).length, 1);
  });

  it('reports a misspelled symbol but not loop variables, keys or builtins', () => {
    const t = loadTemplates(
      'infra/main.bicep',
      fromMap({
        'infra/main.bicep': [
          "param names array = ['a']",
          "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {",
          "  name: 'x'",
          '}',
          "resource c 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for (n, i) in names: {",
          "  name: '${n}-${i}-${toLower(uniqueString(resourceGroup().id))}'",
          '}]',
          'output id string = storgae.id',
        ].join('\n'),
      }),
    );
    assert.deepEqual(checkUndeclaredIdentifiers(t), [
      'infra/main.bicep: "storgae" is not declared (nor a Bicep builtin this check knows)',
    ]);
  });
});
