/**
 * Reads the ARM JSON the Bicep compiler wrote for infra/main.bicep and evaluates it for a given set of parameter
 * values, the way Azure Resource Manager would before it creates anything: parameters and their defaults, variables,
 * conditions, copy loops and nested deployments (Bicep modules), with the template-language functions the
 * templates use. Values known only once resources exist (module outputs, `reference()`, `listKeys()`) evaluate to
 * {@link Unknown} placeholders that name where they come from, so a test can still check that, say, an app setting is
 * the user-assigned identity's client id.
 *
 * An expression using a function this evaluator does not implement throws, naming it: the tests never guess.
 */
import { readFileSync } from 'node:fs';
import { ensureCompiledTemplate } from '../../scripts/infra-build';

export interface ArmParameter {
  type: string;
  defaultValue?: unknown;
  allowedValues?: unknown[];
  minValue?: number;
  maxValue?: number;
  metadata?: { description?: string };
}

export interface ArmResource {
  type: string;
  apiVersion?: string;
  name: string;
  condition?: unknown;
  existing?: boolean;
  scope?: string;
  copy?: { name: string; count: unknown };
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ArmTemplate {
  parameters?: Record<string, ArmParameter>;
  variables?: Record<string, unknown>;
  resources: ArmResource[];
  outputs?: Record<string, { type: string; value: unknown }>;
}

/** The compiled template (compiling it first when missing or stale; fails with how to get a compiler). */
export function loadCompiledTemplate(): ArmTemplate {
  return JSON.parse(readFileSync(ensureCompiledTemplate(), 'utf8')) as ArmTemplate;
}

/** A value known only at deployment time, e.g. `identity.outputs.clientId`. */
export class Unknown {
  constructor(readonly path: string) {}
  toString(): string {
    return `<${this.path}>`;
  }
}

// ---- expression parsing ----

type Node =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'property'; target: Node; name: string }
  | { kind: 'index'; target: Node; index: Node };

export function parseExpression(text: string): Node {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`cannot parse ARM expression at ${i} (${what}): ${text}`);
  };
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const primary = (): Node => {
    ws();
    const c = text[i];
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated string');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      return { kind: 'string', value };
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return { kind: 'number', value: Number(num[0]) };
    }
    const ident = /^[A-Za-z_][\w.]*/.exec(text.slice(i));
    if (!ident) return fail('expected a value');
    i += ident[0].length;
    ws();
    if (text[i] !== '(') return fail(`expected ( after ${ident[0]}`);
    i++;
    const args: Node[] = [];
    ws();
    if (text[i] === ')') i++;
    else
      for (;;) {
        args.push(expression());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ')') {
          i++;
          break;
        } else fail('expected , or )');
      }
    return { kind: 'call', name: ident[0], args };
  };
  const expression = (): Node => {
    let node = primary();
    for (;;) {
      ws();
      if (text[i] === '.') {
        i++;
        const name = /^[A-Za-z_$][\w$]*/.exec(text.slice(i));
        if (!name) fail('expected a property name');
        i += name![0].length;
        node = { kind: 'property', target: node, name: name![0] };
      } else if (text[i] === '[') {
        i++;
        const index = expression();
        ws();
        if (text[i] !== ']') fail('expected ]');
        i++;
        node = { kind: 'index', target: node, index };
      } else return node;
    }
  };
  const node = expression();
  ws();
  if (i !== text.length) fail('trailing text');
  return node;
}

// ---- evaluation ----

interface Scope {
  copyIndex?: Record<string, number> & { ''?: number };
  lambdas?: Record<string, unknown>;
}

const SUBSCRIPTION_ID = '00000000-0000-0000-0000-00000000aaaa';
const TENANT_ID = '00000000-0000-0000-0000-00000000bbbb';
const RESOURCE_GROUP = 'rg-test';

/** The public cloud's environment() object (the fields the templates read). */
const PUBLIC_CLOUD = {
  name: 'AzureCloud',
  authentication: { loginEndpoint: 'https://login.microsoftonline.com/' },
  suffixes: { storage: 'core.windows.net', keyvaultDns: '.vault.azure.net' },
};

function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Unknown) return v.toString();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Unknown);
}

function known<T>(v: T, fn: string): T {
  if (v instanceof Unknown)
    throw new Error(`${fn}() of a deployment-time value ${v.toString()} cannot be evaluated`);
  return v;
}

/** Evaluates one template's expressions with fixed parameter values. */
export class Evaluator {
  private readonly variableCache = new Map<string, unknown>();

  constructor(
    readonly template: ArmTemplate,
    private readonly parameterValues: Record<string, unknown>,
    /** Name of this deployment, for placeholders (`main`, `functionapp`, ...). */
    readonly deploymentName = 'main',
  ) {
    for (const name of Object.keys(parameterValues))
      if (!template.parameters?.[name])
        throw new Error(`${deploymentName}: parameter ${name} is given but the template does not declare it`);
  }

  parameter(name: string): unknown {
    const declared = this.template.parameters?.[name];
    if (!declared) throw new Error(`${this.deploymentName}: parameters('${name}') is not declared`);
    if (Object.prototype.hasOwnProperty.call(this.parameterValues, name)) return this.parameterValues[name];
    if (!('defaultValue' in declared))
      throw new Error(`${this.deploymentName}: parameter ${name} has no value and no default`);
    return this.value(declared.defaultValue);
  }

  variable(name: string): unknown {
    if (!this.variableCache.has(name)) {
      const vars = this.template.variables ?? {};
      if (!(name in vars)) throw new Error(`${this.deploymentName}: variables('${name}') is not declared`);
      this.variableCache.set(name, this.value(vars[name]));
    }
    return this.variableCache.get(name);
  }

  /** Evaluates a template value: expression strings, and objects and arrays deeply (keys too). */
  value(v: unknown, scope: Scope = {}): unknown {
    if (typeof v === 'string') {
      if (v.startsWith('[[')) return v.slice(1);
      if (v.startsWith('[') && v.endsWith(']')) return this.expression(v.slice(1, -1), scope);
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x, scope));
    if (isObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === 'copy' && Array.isArray(x)) {
          // Property (and variable) loops: { copy: [{ name, count, input }] } becomes name: [input for each index].
          for (const loop of x as { name: string; count: unknown; input: unknown }[]) {
            const count = known(this.value(loop.count, scope), 'copy count') as number;
            out[loop.name] = Array.from({ length: count }, (_x, i) =>
              this.value(loop.input, { ...scope, copyIndex: { ...scope.copyIndex, [loop.name]: i } }),
            );
          }
          continue;
        }
        out[stringify(this.value(k, scope))] = this.value(x, scope);
      }
      return out;
    }
    return v;
  }

  expression(text: string, scope: Scope = {}): unknown {
    return this.node(parseExpression(text), scope);
  }

  private node(n: Node, scope: Scope): unknown {
    switch (n.kind) {
      case 'string':
      case 'number':
        return n.value;
      case 'property': {
        const target = this.node(n.target, scope);
        if (target instanceof Unknown) return new Unknown(`${target.path}.${n.name}`);
        if (!isObject(target) || !(n.name in target))
          throw new Error(`${this.deploymentName}: no property ${n.name} in ${stringify(target)}`);
        return target[n.name];
      }
      case 'index': {
        const target = this.node(n.target, scope);
        const index = this.node(n.index, scope);
        if (target instanceof Unknown) return new Unknown(`${target.path}[${stringify(index)}]`);
        if (Array.isArray(target)) return target[known(index, 'index') as number];
        if (isObject(target)) return target[stringify(index)];
        throw new Error(`${this.deploymentName}: cannot index ${stringify(target)}`);
      }
      case 'call':
        return this.call(n.name, n.args, scope);
    }
  }

  private call(name: string, argNodes: Node[], scope: Scope): unknown {
    // Lazily evaluated functions first.
    switch (name) {
      case 'if': {
        const cond = known(this.node(argNodes[0], scope), 'if');
        return this.node(cond ? argNodes[1] : argNodes[2], scope);
      }
      case 'and':
        return argNodes.every((a) => known(this.node(a, scope), 'and') === true);
      case 'or':
        return argNodes.some((a) => known(this.node(a, scope), 'or') === true);
      case 'lambda': {
        const params = argNodes.slice(0, -1).map((a) => this.node(a, scope) as string);
        const body = argNodes[argNodes.length - 1];
        return (...values: unknown[]) =>
          this.node(body, {
            ...scope,
            lambdas: { ...scope.lambdas, ...Object.fromEntries(params.map((p, i) => [p, values[i]])) },
          });
      }
    }
    const args = argNodes.map((a) => this.node(a, scope));
    const s = (i: number): string => stringify(args[i]);
    switch (name) {
      case 'parameters':
        return this.parameter(s(0));
      case 'variables':
        return this.variable(s(0));
      case 'lambdaVariables':
        return scope.lambdas?.[s(0)];
      case 'copyIndex': {
        const loop = typeof args[0] === 'string' ? args[0] : '';
        const offset = typeof args[0] === 'number' ? args[0] : typeof args[1] === 'number' ? args[1] : 0;
        const index = scope.copyIndex?.[loop];
        if (index === undefined) throw new Error(`${this.deploymentName}: copyIndex() outside a copy loop`);
        return index + offset;
      }
      case 'true':
        return true;
      case 'false':
        return false;
      case 'null':
        return null;
      case 'json':
        return JSON.parse(s(0));
      case 'equals':
        return JSON.stringify(known(args[0], 'equals')) === JSON.stringify(known(args[1], 'equals'));
      case 'not':
        return !known(args[0], 'not');
      case 'greater':
        return (known(args[0], 'greater') as number) > (known(args[1], 'greater') as number);
      case 'less':
        return (known(args[0], 'less') as number) < (known(args[1], 'less') as number);
      case 'add':
        return (args[0] as number) + (args[1] as number);
      case 'sub':
        return (args[0] as number) - (args[1] as number);
      case 'empty': {
        const v = args[0];
        if (v instanceof Unknown) return false; // deployment outputs used here are names and ids, never empty
        if (v === null || v === undefined || v === '') return true;
        if (Array.isArray(v)) return v.length === 0;
        if (isObject(v)) return Object.keys(v).length === 0;
        return false;
      }
      case 'length': {
        const v = known(args[0], 'length');
        if (typeof v === 'string' || Array.isArray(v)) return v.length;
        if (isObject(v)) return Object.keys(v).length;
        throw new Error(`length() of ${stringify(v)}`);
      }
      case 'contains': {
        const c = known(args[0], 'contains');
        if (typeof c === 'string') return c.includes(s(1));
        if (Array.isArray(c)) return c.some((x) => JSON.stringify(x) === JSON.stringify(args[1]));
        if (isObject(c)) return s(1) in c;
        return false;
      }
      case 'startsWith':
        return s(0).startsWith(s(1));
      case 'endsWith':
        return s(0).endsWith(s(1));
      case 'toLower':
        return s(0).toLowerCase();
      case 'toUpper':
        return s(0).toUpperCase();
      case 'string':
        return stringify(args[0]);
      case 'int':
        return Number(args[0]);
      case 'replace':
        return s(0).split(s(1)).join(s(2));
      case 'split':
        return s(0).split(s(1));
      case 'substring':
        return s(0).substring(args[1] as number, (args[1] as number) + (args[2] as number));
      case 'format':
        return s(0).replace(/\{(\d+)(:[^}]*)?\}/g, (_m, d: string) => stringify(args[Number(d) + 1]));
      case 'concat':
        if (Array.isArray(args[0])) return ([] as unknown[]).concat(...(args as unknown[][]));
        return args.map(stringify).join('');
      case 'createObject': {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < args.length; i += 2) out[s(i)] = args[i + 1];
        return out;
      }
      case 'createArray':
        return args;
      case 'union':
        if (Array.isArray(args[0])) return [...new Set(([] as unknown[]).concat(...(args as unknown[][])))];
        return Object.assign({}, ...args.map((a) => known(a, 'union')));
      case 'coalesce':
        return args.find((a) => a !== null && a !== undefined) ?? null;
      case 'items':
        return Object.keys(known(args[0], 'items') as object)
          .sort()
          .map((key) => ({ key, value: (args[0] as Record<string, unknown>)[key] }));
      case 'toObject': {
        const [arr, keyFn, valueFn] = args as [
          unknown[],
          (x: unknown) => unknown,
          ((x: unknown) => unknown)?,
        ];
        return Object.fromEntries(arr.map((x) => [stringify(keyFn(x)), valueFn ? valueFn(x) : x]));
      }
      case 'range':
        return Array.from({ length: args[1] as number }, (_x, i) => (args[0] as number) + i);
      case 'cidrSubnet':
        return cidrSubnet(s(0), args[1] as number, args[2] as number);
      case 'uniqueString':
        return `u${args.map(stringify).join('-').length.toString(36)}token`;
      case 'guid':
        return `guid(${args.map(stringify).join(', ')})`;
      case 'environment':
        return PUBLIC_CLOUD;
      case 'subscription':
        return {
          subscriptionId: SUBSCRIPTION_ID,
          tenantId: TENANT_ID,
          id: `/subscriptions/${SUBSCRIPTION_ID}`,
        };
      case 'tenant':
        return { tenantId: TENANT_ID };
      case 'resourceGroup':
        return {
          name: RESOURCE_GROUP,
          location: 'westeurope',
          id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}`,
        };
      case 'resourceId': {
        const typeAt = args.findIndex((a) => typeof a === 'string' && a.includes('/'));
        const prefix = args.slice(0, typeAt).map(stringify);
        const sub = prefix.length === 2 ? prefix[0] : SUBSCRIPTION_ID;
        const rg = prefix.length >= 1 ? prefix[prefix.length - 1] : RESOURCE_GROUP;
        return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${typedPath(s(typeAt), args.slice(typeAt + 1))}`;
      }
      case 'subscriptionResourceId':
        return `/subscriptions/${SUBSCRIPTION_ID}/providers/${typedPath(s(0), args.slice(1))}`;
      case 'extensionResourceId':
        return `${s(0)}/providers/${typedPath(s(1), args.slice(2))}`;
      case 'reference': {
        const id = s(0);
        const deployment = /\/Microsoft\.Resources\/deployments\/([^/]+)$/.exec(id);
        return new Unknown(deployment ? deployment[1] : `reference(${id})`);
      }
      case 'listKeys':
        return new Unknown(`listKeys(${s(0)})`);
      default:
        throw new Error(`${this.deploymentName}: the evaluator does not implement ${name}()`);
    }
  }
}

function typedPath(type: string, names: unknown[]): string {
  const [namespace, ...types] = type.split('/');
  return [namespace, ...types.flatMap((t, i) => [t, stringify(names[i])])].join('/');
}

function cidrSubnet(prefix: string, bits: number, index: number): string {
  const [address] = prefix.split('/');
  const base = address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const start = base + index * 2 ** (32 - bits);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
  return `${octets.join('.')}/${bits}`;
}

// ---- deployments ----

/** One resource of a deployment as it would be deployed with the given parameters. */
export interface DeployedResource {
  deployment: string;
  type: string;
  apiVersion: string;
  name: string;
  existing: boolean;
  /** Evaluated scope expression, when the resource is deployed at another resource's scope. */
  scope?: string;
  /** Evaluated properties. */
  properties: Record<string, unknown>;
  /** The resource object, every field evaluated. */
  body: Record<string, unknown>;
}

export interface Deployment {
  name: string;
  evaluator: Evaluator;
  /** Resources whose condition holds, copy loops expanded; nested deployments are in `modules`. */
  resources: DeployedResource[];
  modules: Deployment[];
  outputs: Record<string, unknown>;
}

/** Evaluates a template and every nested deployment (Bicep module) whose condition holds. */
export function deploy(
  template: ArmTemplate,
  parameters: Record<string, unknown>,
  name = 'main',
): Deployment {
  const ev = new Evaluator(template, parameters, name);
  const resources: DeployedResource[] = [];
  const modules: Deployment[] = [];
  for (const r of template.resources) {
    const iterations = r.copy ? (known(ev.value(r.copy.count), 'copy count') as number) : 1;
    for (let i = 0; i < iterations; i++) {
      const scope: Scope = r.copy ? { copyIndex: { '': i, [r.copy.name]: i } } : {};
      if (r.condition !== undefined && ev.value(r.condition, scope) !== true) continue;
      const resourceName = stringify(ev.value(r.name, scope));
      if (r.type === 'Microsoft.Resources/deployments') {
        const props = r.properties as {
          template: ArmTemplate;
          parameters?: Record<string, unknown>;
        };
        const params: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(props.parameters ?? {})) {
          const entry = ev.value(v, scope) as { value?: unknown };
          params[k] = entry.value;
        }
        modules.push(deploy(props.template, params, resourceName));
        continue;
      }
      const body = ev.value(r, scope) as Record<string, unknown>;
      resources.push({
        deployment: name,
        type: r.type,
        apiVersion: r.apiVersion ?? '',
        name: resourceName,
        existing: r.existing === true,
        scope: typeof body.scope === 'string' ? body.scope : undefined,
        properties: (body.properties as Record<string, unknown>) ?? {},
        body,
      });
    }
  }
  const outputs: Record<string, unknown> = {};
  for (const [k, o] of Object.entries(template.outputs ?? {})) outputs[k] = ev.value(o.value);
  return { name, evaluator: ev, resources, modules, outputs };
}

/** This deployment's resources and those of every module under it. */
export function allResources(d: Deployment): DeployedResource[] {
  return [...d.resources, ...d.modules.flatMap(allResources)];
}

/** The module deployment with this name (searched depth-first). */
export function findModule(d: Deployment, name: string): Deployment | undefined {
  if (d.name === name) return d;
  for (const m of d.modules) {
    const found = findModule(m, name);
    if (found) return found;
  }
  return undefined;
}

/** Every module deployment name in the template, whatever the parameters (conditions ignored). */
export function moduleNames(template: ArmTemplate): string[] {
  return template.resources
    .filter((r) => r.type === 'Microsoft.Resources/deployments')
    .flatMap((r) => [r.name, ...moduleNames((r.properties as { template: ArmTemplate }).template)]);
}

/** Every resource declaration (type and API version) in the template and its modules, conditions ignored. */
export function declaredResources(
  template: ArmTemplate,
): { type: string; apiVersion: string; existing: boolean }[] {
  return template.resources.flatMap((r) =>
    r.type === 'Microsoft.Resources/deployments'
      ? declaredResources((r.properties as { template: ArmTemplate }).template)
      : [{ type: r.type, apiVersion: r.apiVersion ?? '', existing: r.existing === true }],
  );
}
