import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deploy, Evaluator, parseExpression, Unknown, type ArmTemplate } from './arm';

const template = (parts: Partial<ArmTemplate>): ArmTemplate => ({ resources: [], ...parts });

describe('the ARM evaluator the infra tests rely on', () => {
  const ev = new Evaluator(
    template({
      parameters: {
        plan: { type: 'string', defaultValue: 'Flex' },
        premium: { type: 'bool', defaultValue: "[not(equals(parameters('plan'), 'Flex'))]" },
      },
      variables: {
        extra:
          "[if(parameters('premium'), createObject('A', 'x', 'B', format('{0}-{1}', 'y', 1)), createObject())]",
        merged: "[union(createObject('C', 'it''s'), variables('extra'))]",
      },
    }),
    { plan: 'Premium' },
  );

  it('evaluates parameters, defaults that use other parameters, conditions, objects and formats', () => {
    assert.equal(ev.parameter('premium'), true);
    assert.deepEqual(ev.variable('merged'), { C: "it's", A: 'x', B: 'y-1' });
    assert.deepEqual(ev.value({ "[parameters('plan')]": '[[literal]' }), { Premium: '[literal]' });
  });

  it('keeps deployment-time values as named placeholders through property access and formatting', () => {
    const v = ev.expression(
      "format('{0}/x', reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.name.value)",
    );
    assert.equal(v, '<storage.outputs.name.value>/x');
    assert.ok(
      ev.expression("reference(resourceId('Microsoft.Resources/deployments', 'm')).outputs.a") instanceof
        Unknown,
    );
  });

  it('refuses what it cannot evaluate rather than guessing', () => {
    assert.throws(() => ev.expression("dateTimeAdd('2020', 'P1D')"), /does not implement dateTimeAdd\(\)/);
    assert.throws(() => ev.expression("parameters('missing')"), /not declared/);
    assert.throws(() => parseExpression("concat('a'"), /cannot parse/);
    assert.throws(
      () =>
        ev.expression("equals(reference(resourceId('Microsoft.Resources/deployments', 'm')).outputs.a, 'x')"),
      /deployment-time value/,
    );
  });

  it('expands copy loops and skips resources whose condition is false', () => {
    const d = deploy(
      template({
        parameters: {
          names: { type: 'array', defaultValue: ['a', 'b'] },
          on: { type: 'bool', defaultValue: false },
        },
        resources: [
          {
            type: 'T/x',
            apiVersion: '2024-01-01',
            name: "[parameters('names')[copyIndex()]]",
            copy: { name: 'loop', count: "[length(parameters('names'))]" },
            properties: { copy: [{ name: 'items', count: 2, input: "[copyIndex('items')]" }] },
          },
          { type: 'T/y', apiVersion: '2024-01-01', name: 'off', condition: "[parameters('on')]" },
        ],
      }),
      {},
    );
    assert.deepEqual(
      d.resources.map((r) => [r.name, r.properties.items]),
      [
        ['a', [0, 1]],
        ['b', [0, 1]],
      ],
    );
  });

  it('refuses a parameter value the template does not declare', () => {
    assert.throws(
      () => deploy(template({}), { typo: 1 }),
      /parameter typo is given but the template does not declare it/,
    );
  });
});
