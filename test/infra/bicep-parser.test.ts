import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BicepSyntaxError,
  codeView,
  identifiersIn,
  objectEntries,
  objectKeysDeep,
  parseBicep,
} from './bicep';

describe('Bicep structure reader', () => {
  it('reads params with decorators, defaults, nullable types and required-ness', () => {
    const file = parseBicep(
      [
        "@description('The name; braces { in strings } do not count')",
        '@minLength(3)',
        'param name string',
        'param location string = resourceGroup().location',
        'param optionalThing string?',
        '@allowed([',
        "  'a'",
        "  'b'",
        '])',
        "param choice string = 'a'",
        'param count int = a == b ? 1 : 2',
      ].join('\n'),
    );
    assert.deepEqual([...file.params.keys()], ['name', 'location', 'optionalThing', 'choice', 'count']);
    assert.equal(file.params.get('name')?.required, true);
    assert.equal(file.params.get('name')?.type, 'string');
    assert.equal(file.params.get('name')?.decorators.length, 2);
    assert.equal(file.params.get('location')?.required, false);
    assert.equal(file.params.get('location')?.defaultValue, 'resourceGroup().location');
    assert.equal(file.params.get('optionalThing')?.required, false);
    assert.match(file.params.get('choice')?.decorators[0] ?? '', /'b'/);
    assert.equal(file.params.get('count')?.type, 'int');
    assert.equal(file.params.get('count')?.defaultValue, 'a == b ? 1 : 2');
  });

  it('reads modules with conditions, scopes and their params object', () => {
    const file = parseBicep(
      [
        "module kv 'modules/kv.bicep' = if (useKv) {",
        "  name: 'kv'",
        '  scope: resourceGroup(rg)',
        '  params: {',
        '    location: location',
        "    uri: '${a}/${b.outputs.c}'",
        '    flag: cond',
        '      ? {',
        "          x: 'y'",
        '        }',
        '      : {}',
        '  }',
        '}',
      ].join('\n'),
    );
    const mod = file.modules.get('kv');
    assert.ok(mod);
    assert.equal(mod.path, 'modules/kv.bicep');
    assert.deepEqual([...mod.params.keys()], ['location', 'uri', 'flag']);
    assert.match(mod.params.get('flag') ?? '', /\? \{[\s\S]*x: 'y'/);
  });

  it('reads resources (type, API version, existing) and outputs', () => {
    const file = parseBicep(
      [
        "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {",
        '  name: n',
        '}',
        "resource c 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for x in xs: {",
        '  name: x',
        '}]',
        'output id string = st.id',
      ].join('\n'),
    );
    assert.equal(file.resources.get('st')?.type, 'Microsoft.Storage/storageAccounts');
    assert.equal(file.resources.get('st')?.apiVersion, '2023-05-01');
    assert.equal(file.resources.get('st')?.existing, true);
    assert.equal(file.resources.get('c')?.existing, false);
    assert.equal(file.resources.get('c')?.body.trim(), '{\n  name: x\n}');
    assert.equal(file.outputs.get('id')?.expression, 'st.id');
  });

  it('keeps comments and string contents out of the code view, but not interpolations', () => {
    const src = "var a = 'x { y' // } z\nvar b = '${c.outputs.d}' /* { */";
    const code = codeView(src);
    assert.equal(code.length, src.length);
    assert.doesNotMatch(code, /[{}]/);
    assert.match(code, /c\.outputs\.d/);
    assert.deepEqual([...identifiersIn("x ? foo : bar\n  key: baz\n'lit ${qux}'")].sort(), [
      'bar',
      'baz',
      'foo',
      'qux',
      'x',
    ]);
  });

  it('lists object entries and nested keys, quoted keys included', () => {
    const entries = objectEntries("{\n  a: 1\n  'b-c': '${x}'\n  d: { e: 1, f: 2 }\n}");
    assert.deepEqual(
      entries.map((e) => e.key),
      ['a', 'b-c', 'd'],
    );
    assert.deepEqual(objectKeysDeep('union({ a: 1 }, cond ? { b: 2 } : {\n  c: { d: 3 }\n})').sort(), [
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  describe('refuses what it cannot read', () => {
    const broken: [string, string, RegExp][] = [
      ['an unclosed body', "resource r 'A/b@2020-01-01' = {\n  name: 'x'\n", /unbalanced|never closed/],
      ['a stray closer', 'var a = 1\n}\n', /closing bracket|unexpected/],
      ['an unterminated string', "var a = 'abc\n", /unterminated string/],
      ['an unknown statement', 'var a = 1\nresourc r x\n', /unexpected text/],
      ['a resource without an API version', "resource r 'Microsoft.Web/sites' = {\n}\n", /no @api-version/],
      ['a duplicate declaration', 'param a string\nparam a int\n', /declared twice/],
      ['a dangling decorator', "param a string\n@description('x')\n", /decorator without/],
    ];
    for (const [what, text, message] of broken) {
      it(`a template with ${what}`, () => {
        assert.throws(
          () => parseBicep(text),
          (err: unknown) => {
            assert.ok(err instanceof BicepSyntaxError, `expected BicepSyntaxError, got ${String(err)}`);
            assert.match(err.message, message);
            return true;
          },
        );
      });
    }
  });
});
