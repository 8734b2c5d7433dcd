/**
 * Scalar expressions of the KQL subset, compiled once per operator from the Kusto.Language syntax tree into closures
 * over a row, each with its static result type (so result columns carry the type the SDK converts by).
 */
import { semanticError, unsupported } from '../errors';
import {
  children,
  kindOf,
  listItems,
  nameOf,
  prop,
  type SyntaxNode,
  textOf,
  type ParsedCode,
} from '../syntax';
import {
  type Column,
  isNumericType,
  type KustoType,
  parseDatetime,
  parseKustoType,
  parseTimespan,
  type Row,
} from '../types';
import {
  compareValues,
  convert,
  groupKey,
  hasTerm,
  isEmptyValue,
  kustoEquals,
  toKustoString,
} from './values';

/** Rows read from a table carry their extent's creation time here; `ingestion_time()` reads it. */
export const INGESTION_TIME: unique symbol = Symbol('ingestion_time');
export type SourceRow = Row & { [INGESTION_TIME]?: number };

export interface ScalarBinding {
  readonly type: KustoType;
  readonly value: unknown;
}

export interface ScalarScope {
  readonly code: ParsedCode;
  readonly columns: readonly Column[];
  readonly variables: ReadonlyMap<string, ScalarBinding>;
  /** Query start time: `now()` and `ago()` are constant within a query, as in Kusto. */
  readonly now: number;
}

export interface CompiledScalar {
  readonly type: KustoType;
  /** The column name Kusto gives this expression when it is not named (`x` for a column, `Data_Foo` for a path). */
  readonly defaultName?: string;
  /** True when the value does not depend on the row (literals, let values, parameters). */
  readonly isConstant?: boolean;
  evaluate(row: SourceRow): unknown;
}

const constant = (type: KustoType, value: unknown): CompiledScalar => ({
  type,
  isConstant: true,
  evaluate: () => value,
});

export function compileScalar(node: SyntaxNode, scope: ScalarScope): CompiledScalar {
  const kind = kindOf(node);
  switch (kind) {
    case 'ParenthesizedExpression':
      return compileScalar(prop(node, 'Expression')!, scope);
    case 'NameReference':
      return compileName(node, scope);
    case 'StringLiteralExpression':
    case 'CompoundStringLiteralExpression':
      return constant('string', node.LiteralValueInfo?.ValueText ?? stringFromCompound(node));
    case 'LongLiteralExpression':
    case 'IntLiteralExpression':
      return constant(kind === 'IntLiteralExpression' ? 'int' : 'long', numericLiteral(node));
    case 'RealLiteralExpression':
    case 'DecimalLiteralExpression':
      return constant('real', numericLiteral(node));
    case 'BooleanLiteralExpression':
      return constant('bool', (node.LiteralValueInfo?.ValueText ?? '').toLowerCase() === 'true');
    case 'NullLiteralExpression':
      return constant('dynamic', null);
    case 'DateTimeLiteralExpression': {
      const text = node.LiteralValueInfo?.ValueText ?? '';
      if (isNullLiteralText(text)) return constant('datetime', null);
      const ms = parseDatetime(text);
      if (ms === null) throw semanticError(`invalid datetime literal '${textOf(scope.code, node)}'.`);
      return constant('datetime', ms);
    }
    case 'TimespanLiteralExpression': {
      if (isNullLiteralText(node.LiteralValueInfo?.ValueText ?? '')) return constant('timespan', null);
      const ms = parseTimespan(node.LiteralValueInfo?.ValueText ?? '');
      if (ms === null) throw semanticError(`invalid timespan literal '${textOf(scope.code, node)}'.`);
      return constant('timespan', ms);
    }
    case 'GuidLiteralExpression':
      return constant('guid', node.LiteralValueInfo?.ValueText ?? '');
    case 'DynamicExpression':
      return compileDynamicLiteral(node, scope);
    case 'PrefixUnaryExpression':
      return compileUnary(node, scope);
    case 'FunctionCallExpression':
      return compileCall(node, scope);
    case 'PathExpression':
      return compilePath(node, scope);
    case 'ElementExpression':
      return compileElement(node, scope);
    case 'InExpression':
    case 'InCsExpression':
    case 'NotInExpression':
    case 'NotInCsExpression':
      return compileIn(node, scope);
    case 'BetweenExpression':
    case 'NotBetweenExpression':
    case 'HasAnyExpression':
    case 'HasAllExpression':
      throw unsupported(`The '${prop(node, 'Operator')?.Text ?? kind}' operator`);
    default:
      if (kind.endsWith('Expression') && prop(node, 'Left') && prop(node, 'Right'))
        return compileBinary(node, scope);
      throw unsupported(`Scalar expression '${textOf(scope.code, node)}' (${kind})`);
  }
}

/** `int(null)`, `datetime(null)`: typed nulls. */
function isNullLiteralText(text: string): boolean {
  return text.trim().toLowerCase() === 'null';
}

function numericLiteral(node: SyntaxNode): number | null {
  const text = node.LiteralValueInfo?.ValueText ?? '';
  if (isNullLiteralText(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function stringFromCompound(node: SyntaxNode): string {
  return children(node)
    .map((c) => c.LiteralValueInfo?.ValueText ?? '')
    .join('');
}

function compileName(node: SyntaxNode, scope: ScalarScope): CompiledScalar {
  const name = nameOf(node)!;
  const column = scope.columns.find((c) => c.name === name);
  if (column) return { type: column.type, defaultName: name, evaluate: (row) => row[name] ?? null };
  const variable = scope.variables.get(name);
  if (variable)
    return { type: variable.type, defaultName: name, isConstant: true, evaluate: () => variable.value };
  throw semanticError(`Failed to resolve scalar expression named '${name}'.`);
}

/** `dynamic([...])` / `dynamic({...})`: the JSON between the parentheses, located by the parser's tokens. */
function compileDynamicLiteral(node: SyntaxNode, scope: ScalarScope): CompiledScalar {
  const parts = children(node);
  const open = parts.find((c) => kindOf(c) === 'OpenParenToken');
  const close = [...parts].reverse().find((c) => kindOf(c) === 'CloseParenToken');
  const text = textOf(scope.code, node);
  if (!open || !close) throw unsupported(`Dynamic literal '${text}'`);
  const json = scope.code.text.slice(open.TextStart + open.Width, close.TextStart).trim();
  if (json === 'null' || json === '') return constant('dynamic', null);
  try {
    return constant('dynamic', JSON.parse(json));
  } catch {
    throw unsupported(`Dynamic literal '${text}' (only JSON content)`);
  }
}

function compileUnary(node: SyntaxNode, scope: ScalarScope): CompiledScalar {
  const operand = compileScalar(prop(node, 'Expression')!, scope);
  const op = (prop(node, 'Operator')?.Text ?? '').trim();
  if (op === '-')
    return {
      type: operand.type,
      isConstant: operand.isConstant,
      evaluate: (row) => negate(operand.evaluate(row)),
    };
  if (op === '+') return operand;
  throw unsupported(`Unary operator '${op}'`);
}

function negate(value: unknown): unknown {
  return typeof value === 'number' ? -value : null;
}

function asString(compiled: CompiledScalar, row: SourceRow): string {
  return toKustoString(compiled.evaluate(row), compiled.type);
}

/** Binary operators: comparison, logic, arithmetic and the string operators. */
function compileBinary(node: SyntaxNode, scope: ScalarScope): CompiledScalar {
  const left = compileScalar(prop(node, 'Left')!, scope);
  const right = compileScalar(prop(node, 'Right')!, scope);
  const op = (prop(node, 'Operator')?.Text ?? '').trim();
  const lower = op.toLowerCase();
  const bool = (fn: (row: SourceRow) => boolean | null): CompiledScalar => ({ type: 'bool', evaluate: fn });
  const strings = (fn: (l: string, r: string) => boolean): CompiledScalar =>
    bool((row) => fn(asString(left, row), asString(right, row)));
  const ci = (s: string): string => s.toLowerCase();
  switch (lower) {
    case 'and':
      return bool((row) => {
        const l = left.evaluate(row);
        if (l === false) return false;
        const r = right.evaluate(row);
        if (r === false) return false;
        return l === true && r === true ? true : null;
      });
    case 'or':
      return bool((row) => {
        const l = left.evaluate(row);
        if (l === true) return true;
        const r = right.evaluate(row);
        if (r === true) return true;
        return l === false && r === false ? false : null;
      });
    case '==':
      return bool((row) => kustoEquals(comparable(left, row, right.type), comparable(right, row, left.type)));
    case '!=':
    case '<>':
      return bool((row) => {
        const eq = kustoEquals(comparable(left, row, right.type), comparable(right, row, left.type));
        return eq === null ? null : !eq;
      });
    case '<':
    case '<=':
    case '>':
    case '>=':
      return bool((row) => {
        const l = comparable(left, row, right.type);
        const r = comparable(right, row, left.type);
        if (l === null || r === null || l === undefined || r === undefined) return null;
        const c = compareValues(l, r);
        return lower === '<' ? c < 0 : lower === '<=' ? c <= 0 : lower === '>' ? c > 0 : c >= 0;
      });
    case '=~':
      return strings((l, r) => ci(l) === ci(r));
    case '!~':
      return strings((l, r) => ci(l) !== ci(r));
    case 'has':
      return strings((l, r) => hasTerm(l, r));
    case '!has':
      return strings((l, r) => !hasTerm(l, r));
    case 'has_cs':
      return strings((l, r) => hasTerm(l, r, true));
    case '!has_cs':
      return strings((l, r) => !hasTerm(l, r, true));
    case 'contains':
      return strings((l, r) => ci(l).includes(ci(r)));
    case '!contains':
      return strings((l, r) => !ci(l).includes(ci(r)));
    case 'contains_cs':
      return strings((l, r) => l.includes(r));
    case '!contains_cs':
      return strings((l, r) => !l.includes(r));
    case 'startswith':
      return strings((l, r) => ci(l).startsWith(ci(r)));
    case '!startswith':
      return strings((l, r) => !ci(l).startsWith(ci(r)));
    case 'startswith_cs':
      return strings((l, r) => l.startsWith(r));
    case 'endswith':
      return strings((l, r) => ci(l).endsWith(ci(r)));
    case '!endswith':
      return strings((l, r) => !ci(l).endsWith(ci(r)));
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return compileArithmetic(lower, left, right);
    default:
      throw unsupported(`The '${op}' operator`);
  }
}

/**
 * A value ready to compare with a value of `otherType`: a datetime column compared with a string literal is parsed,
 * numbers compare across int/long/real.
 */
function comparable(compiled: CompiledScalar, row: SourceRow, otherType: KustoType): unknown {
  const value = compiled.evaluate(row);
  if (compiled.type === 'string' && otherType === 'datetime') return parseDatetime(value);
  if (compiled.type === 'dynamic' && typeof value === 'string' && otherType === 'datetime')
    return parseDatetime(value);
  return value;
}

function compileArithmetic(op: string, left: CompiledScalar, right: CompiledScalar): CompiledScalar {
  let type: KustoType;
  if (left.type === 'datetime' && right.type === 'datetime' && op === '-') type = 'timespan';
  else if (left.type === 'datetime' || right.type === 'datetime') type = 'datetime';
  else if (left.type === 'timespan' || right.type === 'timespan')
    type = op === '/' && left.type === right.type ? 'real' : 'timespan';
  else if (isNumericType(left.type) && isNumericType(right.type))
    type =
      left.type === 'real' || right.type === 'real' || left.type === 'decimal' || right.type === 'decimal'
        ? 'real'
        : 'long';
  else if (left.type === 'dynamic' || right.type === 'dynamic') type = 'real';
  else throw semanticError(`arithmetic '${op}' is not defined for ${left.type} and ${right.type}.`);
  const integer = type === 'long';
  return {
    type,
    evaluate: (row) => {
      const l = left.evaluate(row);
      const r = right.evaluate(row);
      if (typeof l !== 'number' || typeof r !== 'number') return null;
      switch (op) {
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          if (r === 0) return integer ? null : l / r;
          return integer ? Math.trunc(l / r) : l / r;
        default:
          return r === 0 ? null : l % r;
      }
    },
  };
}

/**
 * `in`, `!in`, `in~`, `!in~`. Dynamic arrays among the items are flattened (`x in (ids)` with `ids` a dynamic array).
 * When every item is constant (literals, let values, parameters) the set is built once per query, not per row.
 */
function compileIn(node: SyntaxNode, scope: ScalarScope): CompiledScalar {
  const left = compileScalar(prop(node, 'Left')!, scope);
  const op = (prop(node, 'Operator')?.Text ?? '').toLowerCase();
  const items = listItems(prop(prop(node, 'Right')!, 'Expressions')).map((n) => compileScalar(n, scope));
  const caseInsensitive = op.includes('~');
  const negated = op.startsWith('!');
  const valueKey = (value: unknown): string =>
    caseInsensitive ? toKustoString(value, left.type).toLowerCase() : groupKey([value]);
  const candidateKey = (candidate: unknown): string =>
    caseInsensitive
      ? toKustoString(candidate, 'dynamic').toLowerCase()
      : groupKey([left.type === 'datetime' ? parseDatetime(candidate) : candidate]);
  const candidateKeys = (row: SourceRow): Set<string> =>
    new Set(
      items.flatMap((item) => {
        const v = item.evaluate(row);
        return (Array.isArray(v) ? v : [v]).map(candidateKey);
      }),
    );
  const constantKeys = items.every((item) => item.isConstant) ? candidateKeys({}) : undefined;
  return {
    type: 'bool',
    evaluate: (row) => {
      const value = left.evaluate(row);
      if (value === null || value === undefined) return negated ? null : false;
      const found = (constantKeys ?? candidateKeys(row)).has(valueKey(value));
      return negated ? !found : found;
    },
  };
}

/** `Data.Field` on a dynamic column (or a column of a let-bound record). */
function compilePath(node: SyntaxNode, scope: ScalarScope): CompiledScalar {
  const base = compileScalar(prop(node, 'Expression')!, scope);
  const member = nameOf(prop(node, 'Selector')) ?? textOf(scope.code, prop(node, 'Selector')!);
  if (base.type !== 'dynamic') throw semanticError(`'.${member}' applies to dynamic values only.`);
  return {
    type: 'dynamic',
    defaultName: `${base.defaultName ?? 'Column'}_${member}`,
    evaluate: (row) => member_(base.evaluate(row), member),
  };
}

function compileElement(node: SyntaxNode, scope: ScalarScope): CompiledScalar {
  const base = compileScalar(prop(node, 'Expression')!, scope);
  const selectorNode = prop(node, 'Selector')!;
  const inner =
    kindOf(selectorNode) === 'BracketedExpression' ? prop(selectorNode, 'Expression')! : selectorNode;
  const selector = compileScalar(inner, scope);
  return {
    type: 'dynamic',
    evaluate: (row) => {
      const key = selector.evaluate(row);
      return typeof key === 'number' || typeof key === 'string' ? member_(base.evaluate(row), key) : null;
    },
  };
}

function member_(value: unknown, key: string | number): unknown {
  let container = value;
  if (typeof container === 'string') {
    try {
      container = JSON.parse(container);
    } catch {
      return null;
    }
  }
  if (container === null || typeof container !== 'object') return null;
  if (Array.isArray(container) && typeof key === 'number')
    return container[key < 0 ? container.length + key : key] ?? null;
  return (container as Record<string, unknown>)[String(key)] ?? null;
}

/** Scalar functions the subset evaluates. Aggregates are compiled by summarize, not here. */
function compileCall(node: SyntaxNode, scope: ScalarScope): CompiledScalar {
  const name = (nameOf(prop(node, 'Name')) ?? '').toLowerCase();
  const args = listItems(prop(prop(node, 'ArgumentList')!, 'Expressions')).map((n) =>
    compileScalar(n, scope),
  );
  const arity = (min: number, max = min): void => {
    if (args.length < min || args.length > max)
      throw semanticError(
        `function '${name}' expects ${min === max ? min : `${min}..${max}`} argument(s), got ${args.length}.`,
      );
  };
  const a = (i: number): CompiledScalar => args[i]!;
  switch (name) {
    case 'not':
      arity(1);
      return {
        type: 'bool',
        evaluate: (row) => {
          const v = a(0).evaluate(row);
          return typeof v === 'boolean' ? !v : null;
        },
      };
    case 'isempty':
    case 'isnotempty':
      arity(1);
      return { type: 'bool', evaluate: (row) => isEmptyValue(a(0).evaluate(row)) === (name === 'isempty') };
    case 'isnull':
    case 'isnotnull':
      arity(1);
      return {
        type: 'bool',
        evaluate: (row) => {
          const v = a(0).evaluate(row);
          return (v === null || v === undefined) === (name === 'isnull');
        },
      };
    case 'now':
      arity(0, 1);
      return {
        type: 'datetime',
        evaluate: (row) => scope.now + ((args[0]?.evaluate(row) as number | null) ?? 0),
      };
    case 'ago':
      arity(1);
      return {
        type: 'datetime',
        evaluate: (row) => {
          const span = a(0).evaluate(row);
          return typeof span === 'number' ? scope.now - span : null;
        },
      };
    case 'ingestion_time':
      arity(0);
      return {
        type: 'datetime',
        defaultName: '$IngestionTime',
        evaluate: (row) => row[INGESTION_TIME] ?? null,
      };
    case 'tostring':
    case 'toint':
    case 'tolong':
    case 'toreal':
    case 'todouble':
    case 'tobool':
    case 'toboolean':
    case 'todatetime':
    case 'totimespan':
    case 'toguid':
    case 'todynamic':
    case 'parse_json': {
      arity(1);
      const target = conversionTarget(name);
      const source = a(0);
      if (target === 'dynamic')
        return {
          type: 'dynamic',
          defaultName: source.defaultName,
          evaluate: (row) => {
            const v = source.evaluate(row);
            if (typeof v !== 'string') return v;
            try {
              return JSON.parse(v);
            } catch {
              return v;
            }
          },
        };
      return {
        type: target,
        defaultName: source.defaultName,
        evaluate: (row) => convert(source.evaluate(row), source.type, target),
      };
    }
    case 'tolower':
    case 'toupper':
      arity(1);
      return {
        type: 'string',
        evaluate: (row) =>
          name === 'tolower' ? asString(a(0), row).toLowerCase() : asString(a(0), row).toUpperCase(),
      };
    case 'strlen':
      arity(1);
      return { type: 'long', evaluate: (row) => [...asString(a(0), row)].length };
    case 'strcat':
      if (args.length === 0) throw semanticError("function 'strcat' expects at least one argument.");
      return { type: 'string', evaluate: (row) => args.map((x) => asString(x, row)).join('') };
    case 'iff':
    case 'iif':
      arity(3);
      return {
        type: a(1).type === 'dynamic' ? a(2).type : a(1).type,
        evaluate: (row) => (a(0).evaluate(row) === true ? a(1).evaluate(row) : a(2).evaluate(row)),
      };
    case 'coalesce':
      if (args.length === 0) throw semanticError("function 'coalesce' expects at least one argument.");
      return {
        type: a(0).type,
        evaluate: (row) => {
          for (const x of args) {
            const v = x.evaluate(row);
            if (!(v === null || v === undefined || (x.type !== 'string' && v === ''))) {
              if (x.type === 'string' && v === '') continue;
              return v;
            }
          }
          return a(0).type === 'string' ? '' : null;
        },
      };
    case 'bin':
    case 'floor':
      arity(2);
      return {
        type: a(0).type,
        defaultName: a(0).defaultName,
        evaluate: (row) => {
          const v = a(0).evaluate(row);
          const size = a(1).evaluate(row);
          return typeof v === 'number' && typeof size === 'number' && size > 0
            ? Math.floor(v / size) * size
            : null;
        },
      };
    case 'startofday':
      arity(1);
      return {
        type: 'datetime',
        evaluate: (row) => {
          const v = a(0).evaluate(row);
          return typeof v === 'number' ? Math.floor(v / 86_400_000) * 86_400_000 : null;
        },
      };
    case 'array_length':
      arity(1);
      return {
        type: 'long',
        evaluate: (row) => {
          const v = a(0).evaluate(row);
          return Array.isArray(v) ? v.length : null;
        },
      };
    default:
      throw unsupported(`The function '${name}()'`);
  }
}

function conversionTarget(name: string): KustoType {
  const map: Record<string, KustoType> = {
    tostring: 'string',
    toint: 'int',
    tolong: 'long',
    toreal: 'real',
    todouble: 'real',
    tobool: 'bool',
    toboolean: 'bool',
    todatetime: 'datetime',
    totimespan: 'timespan',
    toguid: 'guid',
    todynamic: 'dynamic',
    parse_json: 'dynamic',
  };
  return map[name] ?? parseKustoType(name) ?? 'dynamic';
}
