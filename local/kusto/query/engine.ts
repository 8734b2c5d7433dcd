/**
 * Runs a KQL query of the supported subset over the embedded store: `let` statements, table references, stored
 * function calls, and the pipe operators where, project, project-away, extend, summarize ... by, order/sort by, top,
 * take/limit, distinct and count. Anything else fails with an error that names the operator, so a query that works
 * here either behaves as on a cluster or visibly does not run.
 */
import { semanticError, syntaxError, unsupported } from '../errors';
import type { ResultTable } from '../protocol';
import type { KustoStore } from '../store';
import {
  children,
  descendants,
  kindOf,
  listItems,
  nameOf,
  type ParsedCode,
  parseKusto,
  prop,
  type SyntaxNode,
} from '../syntax';
import { type Column, fromStore, parseKustoType, type KustoType } from '../types';
import { type CompiledAggregate, compileAggregate } from './aggregates';
import {
  compileScalar,
  INGESTION_TIME,
  type ScalarBinding,
  type ScalarScope,
  type SourceRow,
} from './scalar';
import { compareValues, convert, groupKey } from './values';

interface Relation {
  readonly columns: readonly Column[];
  readonly rows: readonly SourceRow[];
}

export interface QueryEnvironment {
  readonly store: KustoStore;
  readonly database: string;
  /** Query start time (ms): `now()` and `ago()`. */
  readonly now: number;
  /** The request's `properties.Parameters`, read by `declare query_parameters`. */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

interface Context {
  readonly env: QueryEnvironment;
  readonly code: ParsedCode;
  readonly scalars: Map<string, ScalarBinding>;
  readonly tables: Map<string, Relation>;
  readonly depth: number;
}

const MAX_FUNCTION_DEPTH = 16;

export function runQuery(text: string, env: QueryEnvironment): ResultTable {
  return runQueryTables(text, env)[0]!;
}

/** Every tabular expression statement of the query gives one result table, in order (as Kusto returns them). */
export function runQueryTables(text: string, env: QueryEnvironment): ResultTable[] {
  const code = parseKusto(text);
  if (code.isCommand) throw syntaxError('management commands go to /v1/rest/mgmt.');
  if (code.errors.length > 0)
    throw syntaxError(`${code.errors[0]!.message} (at offset ${code.errors[0]!.start})`);
  const ctx: Context = { env, code, scalars: new Map(), tables: new Map(), depth: 0 };
  const results: Relation[] = [];
  runStatements(listItems(prop(code.root, 'Statements')), undefined, ctx, results);
  if (results.length === 0) throw semanticError('the query has no tabular expression to return.');
  return results.map(toResultTable);
}

function toResultTable(relation: Relation): ResultTable {
  return {
    columns: relation.columns,
    rows: relation.rows.map((row) => relation.columns.map((c) => row[c.name] ?? null)),
  };
}

/**
 * Runs let, set and declare statements, collecting each tabular result; returns the last one (a function body's
 * value, `finalExpression` when given).
 */
function runStatements(
  statements: readonly SyntaxNode[],
  finalExpression: SyntaxNode | undefined,
  ctx: Context,
  results: Relation[] = [],
): Relation | undefined {
  for (const statement of statements) {
    const kind = kindOf(statement);
    if (kind === 'LetStatement') bindLet(statement, ctx);
    else if (kind === 'ExpressionStatement') results.push(evalTabular(prop(statement, 'Expression')!, ctx));
    else if (kind === 'SetOptionStatement')
      continue; // request options (notruncation, ...) change nothing here
    else if (kind === 'QueryParametersStatement') bindQueryParameters(statement, ctx);
    else throw unsupported(`The '${firstWord(statement)}' statement`);
  }
  if (finalExpression) results.push(evalTabular(finalExpression, ctx));
  return results[results.length - 1];
}

/**
 * `declare query_parameters(name:type [= default], ...)` takes its values from the request's `Parameters` (what
 * ClientRequestProperties.setParameter sends): strings as given, other types as KQL literal text (`dynamic([..])`,
 * `datetime(...)`, `42`) or as JSON values.
 */
function bindQueryParameters(statement: SyntaxNode, ctx: Context): void {
  const given = ctx.env.parameters ?? {};
  for (const parameter of listItems(prop(statement, 'Parameters'))) {
    const { name, type } = declaredParameter(parameter);
    const defaultNode = prop(prop(parameter, 'DefaultValue') ?? ({} as SyntaxNode), 'Value');
    if (Object.prototype.hasOwnProperty.call(given, name)) {
      ctx.scalars.set(name, { type, value: parameterValue(given[name], type, ctx.env.now) });
    } else if (defaultNode) {
      const compiled = compileScalar(defaultNode, scalarScope(ctx, []));
      ctx.scalars.set(name, { type, value: convert(compiled.evaluate({}), compiled.type, type) });
    } else throw semanticError(`query parameter '${name}' has no value in the request and no default.`);
  }
}

function declaredParameter(parameter: SyntaxNode): { name: string; type: KustoType } {
  const nameAndType = prop(parameter, 'NameAndType')!;
  const name = nameOf(prop(nameAndType, 'Name'))!;
  const typeNode = prop(nameAndType, 'Type')!;
  const type = parseKustoType(children(typeNode).find((c) => c.IsToken)?.Text ?? '');
  if (!type) throw unsupported(`Tabular or untyped parameter '${name}'`);
  return { name, type };
}

function parameterValue(raw: unknown, type: KustoType, now: number): unknown {
  if (typeof raw !== 'string') return convert(raw, 'dynamic', type);
  if (type === 'string') return raw;
  const literal = parseKusto(raw);
  const statement = listItems(prop(literal.root, 'Statements'))[0];
  const expression =
    statement && kindOf(statement) === 'ExpressionStatement' ? prop(statement, 'Expression') : undefined;
  if (literal.errors.length === 0 && expression) {
    const compiled = compileScalar(expression, { code: literal, columns: [], variables: new Map(), now });
    return convert(compiled.evaluate({}), compiled.type, type);
  }
  try {
    return convert(JSON.parse(raw), 'dynamic', type);
  } catch {
    throw semanticError(`query parameter value '${raw}' is not a ${type} literal.`);
  }
}

function bindLet(statement: SyntaxNode, ctx: Context): void {
  const name = nameOf(prop(statement, 'Name'))!;
  const expression = prop(statement, 'Expression')!;
  if (kindOf(expression) === 'FunctionDeclaration')
    throw unsupported(`The user-defined function 'let ${name} = (...) {...}'`);
  if (isTabular(expression, ctx)) {
    ctx.tables.set(name, evalTabular(expression, ctx));
    ctx.scalars.delete(name);
  } else {
    const compiled = compileScalar(expression, scalarScope(ctx, []));
    ctx.scalars.set(name, { type: compiled.type, value: compiled.evaluate({}) });
    ctx.tables.delete(name);
  }
}

function isTabular(node: SyntaxNode, ctx: Context): boolean {
  const kind = kindOf(node);
  if (kind === 'PipeExpression') return true;
  if (kind === 'ParenthesizedExpression') return isTabular(prop(node, 'Expression')!, ctx);
  if (kind === 'NameReference') {
    const name = nameOf(node)!;
    return (
      ctx.tables.has(name) ||
      (!ctx.scalars.has(name) && (tableExists(name, ctx) || functionExists(name, ctx)))
    );
  }
  if (kind === 'FunctionCallExpression') return functionExists(nameOf(prop(node, 'Name'))!, ctx);
  return false;
}

const tableExists = (name: string, ctx: Context): boolean =>
  ctx.env.store.getTable(ctx.env.database, name) !== undefined;
const functionExists = (name: string, ctx: Context): boolean =>
  ctx.env.store.getFunction(ctx.env.database, name) !== undefined;

function scalarScope(ctx: Context, columns: readonly Column[]): ScalarScope {
  return { code: ctx.code, columns, variables: ctx.scalars, now: ctx.env.now };
}

function firstWord(node: SyntaxNode): string {
  const token = descendants(node).find((n) => n.IsToken && (n.Text ?? '') !== '');
  return token?.Text ?? kindOf(node);
}

function evalTabular(node: SyntaxNode, ctx: Context): Relation {
  const kind = kindOf(node);
  switch (kind) {
    case 'PipeExpression':
      return applyOperator(evalTabular(prop(node, 'Expression')!, ctx), prop(node, 'Operator')!, ctx);
    case 'ParenthesizedExpression':
      return evalTabular(prop(node, 'Expression')!, ctx);
    case 'PrintOperator':
      // `print x = 1, now()`: one row computed from nothing.
      return project({ columns: [], rows: [{}] }, listItems(prop(node, 'Expressions')), ctx, false, 'print');
    case 'NameReference':
      return resolveSource(nameOf(node)!, [], ctx);
    case 'FunctionCallExpression':
      return resolveSource(
        nameOf(prop(node, 'Name'))!,
        listItems(prop(prop(node, 'ArgumentList')!, 'Expressions')),
        ctx,
      );
    default:
      throw unsupported(`The tabular expression '${firstWord(node)}' (${kind})`);
  }
}

function resolveSource(name: string, args: readonly SyntaxNode[], ctx: Context): Relation {
  const bound = ctx.tables.get(name);
  if (bound && args.length === 0) return bound;
  const table = ctx.env.store.getTable(ctx.env.database, name);
  if (table && args.length === 0) {
    const rows = ctx.env.store.readRows(ctx.env.database, name).map((stored) => {
      const row: SourceRow = {};
      for (const c of table.columns) {
        const value = fromStore(stored.values[c.name], c.type);
        row[c.name] = value === null && c.type === 'string' ? '' : value;
      }
      row[INGESTION_TIME] = stored.ingestionTime;
      return row;
    });
    return { columns: table.columns, rows };
  }
  if (functionExists(name, ctx)) return invokeFunction(name, args, ctx);
  throw semanticError(`Failed to resolve table or column expression named '${name}'.`);
}

/**
 * Calls a stored function: its declaration is re-parsed (it is stored as written), arguments are evaluated in the
 * caller's scope and bound to the parameters, and the body runs in a scope of its own.
 */
function invokeFunction(name: string, args: readonly SyntaxNode[], ctx: Context): Relation {
  if (ctx.depth >= MAX_FUNCTION_DEPTH) throw semanticError(`function '${name}' recurses too deeply.`);
  const fn = ctx.env.store.getFunction(ctx.env.database, name)!;
  const code = parseKusto(`.create-or-alter function __f${fn.parameters} ${fn.body}`);
  const declaration = descendants(code.root).find((n) => kindOf(n) === 'FunctionDeclaration');
  if (!declaration || code.errors.length > 0)
    throw semanticError(`stored function '${name}' could not be parsed.`);
  const parameters = listItems(prop(prop(declaration, 'Parameters')!, 'Parameters'));
  if (args.length > parameters.length)
    throw semanticError(`function '${name}' takes ${parameters.length} argument(s), got ${args.length}.`);
  const callerScope = scalarScope(ctx, []);
  const scalars = new Map<string, ScalarBinding>();
  parameters.forEach((parameter, i) => {
    const { name: paramName, type } = declaredParameter(parameter);
    const argNode = args[i];
    const defaultNode = prop(prop(parameter, 'DefaultValue') ?? ({} as SyntaxNode), 'Value');
    if (argNode) {
      const compiled = compileScalar(argNode, callerScope);
      scalars.set(paramName, { type, value: convert(compiled.evaluate({}), compiled.type, type) });
    } else if (defaultNode) {
      const compiled = compileScalar(defaultNode, {
        code,
        columns: [],
        variables: new Map(),
        now: ctx.env.now,
      });
      scalars.set(paramName, { type, value: convert(compiled.evaluate({}), compiled.type, type) });
    } else throw semanticError(`function '${name}' needs a value for parameter '${paramName}'.`);
  });
  const body = prop(declaration, 'Body')!;
  const inner: Context = { env: ctx.env, code, scalars, tables: new Map(), depth: ctx.depth + 1 };
  const result = runStatements(listItems(prop(body, 'Statements')), prop(body, 'Expression'), inner);
  if (!result) throw semanticError(`function '${name}' returns no table.`);
  return result;
}

function applyOperator(input: Relation, op: SyntaxNode, ctx: Context): Relation {
  const kind = kindOf(op);
  switch (kind) {
    case 'FilterOperator':
      return where(input, op, ctx);
    case 'ProjectOperator':
      return project(input, listItems(prop(op, 'Expressions')), ctx, false);
    case 'ExtendOperator':
      return project(input, listItems(prop(op, 'Expressions')), ctx, true);
    case 'ProjectAwayOperator':
      return projectAway(input, op, ctx);
    case 'SummarizeOperator':
      return summarize(input, op, ctx);
    case 'SortOperator':
      return sortRows(input, listItems(prop(op, 'Expressions')), ctx);
    case 'TopOperator':
      return take(sortRows(input, [prop(op, 'ByExpression')!], ctx), prop(op, 'Expression')!, ctx);
    case 'TakeOperator':
      return take(input, prop(op, 'Expression')!, ctx);
    case 'DistinctOperator':
      return distinct(input, op, ctx);
    case 'CountOperator':
      return { columns: [{ name: 'Count', type: 'long' }], rows: [{ Count: input.rows.length }] };
    default:
      throw unsupported(`The '${firstWord(op)}' operator`);
  }
}

function rejectParameters(op: SyntaxNode): void {
  const parameters = listItems(prop(op, 'Parameters'));
  if (parameters.length > 0) throw unsupported(`Operator parameters on '${firstWord(op)}'`);
}

function where(input: Relation, op: SyntaxNode, ctx: Context): Relation {
  rejectParameters(op);
  const condition = compileScalar(prop(op, 'Condition')!, scalarScope(ctx, input.columns));
  if (condition.type !== 'bool') throw semanticError("'where' needs a boolean condition.");
  return { columns: input.columns, rows: input.rows.filter((row) => condition.evaluate(row) === true) };
}

/** A named or unnamed expression of project/extend/summarize-by/distinct. */
function namedExpression(
  node: SyntaxNode,
  columns: readonly Column[],
  ctx: Context,
  ordinal: () => number,
  unnamedPrefix = 'Column',
) {
  const named = kindOf(node) === 'SimpleNamedExpression';
  const expression = named ? prop(node, 'Expression')! : node;
  if (kindOf(node) === 'CompoundNamedExpression') throw unsupported('Tuple assignment (a, b) = ...');
  const compiled = compileScalar(expression, scalarScope(ctx, columns));
  const fallback = (): string => `${unnamedPrefix}${unnamedPrefix === 'Column' ? '' : '_'}${ordinal()}`;
  const name = named
    ? nameOf(prop(node, 'Name'))!
    : unnamedPrefix === 'Column'
      ? (compiled.defaultName ?? fallback())
      : fallback();
  return { name, compiled };
}

function ordinalCounter(): () => number {
  let n = 0;
  return () => ++n;
}

/** project / extend (and print, whose unnamed columns are `print_<position>` rather than `Column<n>`). */
function project(
  input: Relation,
  items: readonly SyntaxNode[],
  ctx: Context,
  extend: boolean,
  unnamedPrefix?: string,
): Relation {
  const ordinal = ordinalCounter();
  const outputs = items.map((item, index) =>
    namedExpression(
      item,
      input.columns,
      ctx,
      unnamedPrefix === undefined ? ordinal : () => index,
      unnamedPrefix,
    ),
  );
  const columns: Column[] = extend ? [...input.columns] : [];
  for (const { name, compiled } of outputs) {
    const at = columns.findIndex((c) => c.name === name);
    const column = { name, type: compiled.type };
    if (at >= 0) {
      if (!extend) throw semanticError(`column '${name}' is projected twice.`);
      columns[at] = column;
    } else columns.push(column);
  }
  const rows = input.rows.map((row) => {
    const out: SourceRow = extend ? { ...row } : {};
    for (const { name, compiled } of outputs) out[name] = compiled.evaluate(row);
    out[INGESTION_TIME] = row[INGESTION_TIME];
    return out;
  });
  return { columns, rows };
}

function projectAway(input: Relation, op: SyntaxNode, ctx: Context): Relation {
  const names = new Set<string>();
  for (const item of listItems(prop(op, 'Expressions'))) {
    const name = kindOf(item) === 'NameReference' ? nameOf(item) : undefined;
    if (!name) throw unsupported(`project-away of '${firstWord(item)}' (only column names)`);
    if (!input.columns.some((c) => c.name === name))
      throw semanticError(`Failed to resolve column '${name}' in project-away.`);
    names.add(name);
  }
  void ctx;
  const columns = input.columns.filter((c) => !names.has(c.name));
  return { columns, rows: input.rows };
}

function summarize(input: Relation, op: SyntaxNode, ctx: Context): Relation {
  rejectParameters(op);
  const byClause = prop(op, 'ByClause');
  const ordinal = ordinalCounter();
  const keys = listItems(prop(byClause ?? ({} as SyntaxNode), 'Expressions')).map((n) =>
    namedExpression(n, input.columns, ctx, ordinal),
  );
  const keyNames = new Set(keys.map((k) => k.name));
  const aggregates: CompiledAggregate[] = listItems(prop(op, 'Aggregates')).map((n) =>
    compileAggregate(n, scalarScope(ctx, input.columns), keyNames),
  );
  const columns: Column[] = [...keys.map((k) => ({ name: k.name, type: k.compiled.type }))];
  for (const aggregate of aggregates)
    for (const column of aggregate.columns) {
      let name = column.name;
      for (let i = 1; columns.some((c) => c.name === name); i++) name = `${column.name}${i}`;
      columns.push({ name, type: column.type });
    }
  const groups = new Map<
    string,
    { keys: unknown[]; accumulators: ReturnType<CompiledAggregate['create']>[] }
  >();
  for (const row of input.rows) {
    const keyValues = keys.map((k) => k.compiled.evaluate(row));
    const id = groupKey(keyValues);
    let group = groups.get(id);
    if (!group) {
      group = { keys: keyValues, accumulators: aggregates.map((a) => a.create()) };
      groups.set(id, group);
    }
    for (const acc of group.accumulators) acc.add(row);
  }
  if (keys.length === 0 && groups.size === 0)
    groups.set('', { keys: [], accumulators: aggregates.map((a) => a.create()) });
  const rows = [...groups.values()].map((group) => {
    const values = [...group.keys, ...group.accumulators.flatMap((acc) => acc.result())];
    const row: SourceRow = {};
    columns.forEach((c, i) => (row[c.name] = values[i] ?? null));
    return row;
  });
  return { columns, rows };
}

/** order by / sort by: descending unless `asc`; nulls last when descending, first when ascending, as in Kusto. */
function sortRows(input: Relation, items: readonly SyntaxNode[], ctx: Context): Relation {
  const keys = items.map((item) => {
    const ordered = kindOf(item) === 'OrderedExpression';
    const expression = ordered ? prop(item, 'Expression')! : item;
    const ordering = ordered ? prop(item, 'Ordering') : undefined;
    const direction = (
      prop(ordering ?? ({} as SyntaxNode), 'AscOrDescKeyword')?.Text ?? 'desc'
    ).toLowerCase();
    const nullsClause = ordering ? prop(ordering, 'NullsClause') : undefined;
    const nullsWord = (
      prop(nullsClause ?? ({} as SyntaxNode), 'FirstOrLastKeyword')?.Text ?? ''
    ).toLowerCase();
    const ascending = direction === 'asc';
    const nullsFirst = nullsWord ? nullsWord === 'first' : ascending;
    return { compiled: compileScalar(expression, scalarScope(ctx, input.columns)), ascending, nullsFirst };
  });
  const decorated = input.rows.map((row, index) => ({
    row,
    index,
    values: keys.map((k) => k.compiled.evaluate(row)),
  }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const va = a.values[i];
      const vb = b.values[i];
      const na = va === null || va === undefined;
      const nb = vb === null || vb === undefined;
      if (na || nb) {
        if (na && nb) continue;
        return na === key.nullsFirst ? -1 : 1;
      }
      const c = compareValues(va, vb);
      if (c !== 0) return key.ascending ? c : -c;
    }
    return a.index - b.index;
  });
  return { columns: input.columns, rows: decorated.map((d) => d.row) };
}

function take(input: Relation, countNode: SyntaxNode, ctx: Context): Relation {
  const count = compileScalar(countNode, scalarScope(ctx, []));
  const n = count.evaluate({});
  if (typeof n !== 'number' || n < 0)
    throw semanticError('take/limit/top need a non-negative number of rows.');
  return { columns: input.columns, rows: input.rows.slice(0, Math.trunc(n)) };
}

function distinct(input: Relation, op: SyntaxNode, ctx: Context): Relation {
  rejectParameters(op);
  const items = listItems(prop(op, 'Expressions'));
  const projected =
    items.length === 1 && kindOf(items[0]!) === 'StarExpression' ? input : project(input, items, ctx, false);
  const seen = new Set<string>();
  const rows = projected.rows.filter((row) => {
    const key = groupKey(projected.columns.map((c) => row[c.name] ?? null));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { columns: projected.columns, rows };
}
