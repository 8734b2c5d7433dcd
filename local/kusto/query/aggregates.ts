/**
 * The aggregation functions `summarize` supports: count, countif, dcount, sum, min, max, avg, arg_max, arg_min,
 * make_set, make_list, take_any. Each compiles to output columns plus an accumulator factory, so one group's state is
 * a handful of small objects whatever the row count.
 */
import { semanticError, unsupported } from '../errors';
import { kindOf, listItems, nameOf, prop, type SyntaxNode } from '../syntax';
import type { Column, KustoType } from '../types';
import { compileScalar, type CompiledScalar, type ScalarScope, type SourceRow } from './scalar';
import { compareValues, groupKey } from './values';

export interface Accumulator {
  add(row: SourceRow): void;
  /** One value per output column. */
  result(): unknown[];
}

export interface CompiledAggregate {
  readonly columns: Column[];
  create(): Accumulator;
}

/** Compiles `name = agg(args)` or `agg(args)`; `excluded` are the group-key names (arg_max's `*` skips them). */
export function compileAggregate(
  node: SyntaxNode,
  scope: ScalarScope,
  excluded: ReadonlySet<string>,
): CompiledAggregate {
  let explicitName: string | undefined;
  let call = node;
  if (kindOf(node) === 'SimpleNamedExpression') {
    explicitName = nameOf(prop(node, 'Name'));
    call = prop(node, 'Expression')!;
  }
  if (kindOf(call) !== 'FunctionCallExpression')
    throw semanticError('summarize expects aggregation functions such as count() or sum(x).');
  const name = (nameOf(prop(call, 'Name')) ?? '').toLowerCase();
  const argNodes = listItems(prop(prop(call, 'ArgumentList')!, 'Expressions'));
  const isStar = (n: SyntaxNode): boolean => kindOf(n) === 'StarExpression';
  const args = (): CompiledScalar[] => argNodes.map((n) => compileScalar(n, scope));
  const one = (): CompiledScalar => {
    if (argNodes.length !== 1) throw semanticError(`aggregate '${name}' expects one argument.`);
    return compileScalar(argNodes[0]!, scope);
  };
  const colName = (prefix: string, arg?: CompiledScalar): string =>
    explicitName ?? `${prefix}_${arg?.defaultName ?? ''}`;
  const single = (
    column: Column,
    create: () => { add(row: SourceRow): void; value(): unknown },
  ): CompiledAggregate => ({
    columns: [column],
    create: () => {
      const acc = create();
      return { add: (row) => acc.add(row), result: () => [acc.value()] };
    },
  });

  switch (name) {
    case 'count': {
      if (argNodes.length > 0) throw unsupported('count() with an argument (use countif)');
      return single({ name: explicitName ?? 'count_', type: 'long' }, () => {
        let n = 0;
        return { add: () => void n++, value: () => n };
      });
    }
    case 'countif': {
      const predicate = one();
      return single({ name: explicitName ?? 'countif_', type: 'long' }, () => {
        let n = 0;
        return { add: (row) => void (predicate.evaluate(row) === true && n++), value: () => n };
      });
    }
    case 'dcount': {
      const [arg] = args();
      if (!arg) throw semanticError("aggregate 'dcount' expects an argument.");
      return single({ name: colName('dcount', arg), type: 'long' }, () => {
        const seen = new Set<string>();
        return {
          add: (row) => {
            const v = arg.evaluate(row);
            if (v !== null && v !== undefined) seen.add(groupKey([v]));
          },
          value: () => seen.size,
        };
      });
    }
    case 'sum': {
      const arg = one();
      const type: KustoType =
        arg.type === 'int' || arg.type === 'long' ? 'long' : arg.type === 'timespan' ? 'timespan' : 'real';
      return single({ name: colName('sum', arg), type }, () => {
        let total = 0;
        return {
          add: (row) => {
            const v = arg.evaluate(row);
            if (typeof v === 'number') total += v;
          },
          value: () => total,
        };
      });
    }
    case 'avg': {
      const arg = one();
      return single(
        {
          name: colName('avg', arg),
          type: arg.type === 'timespan' || arg.type === 'datetime' ? arg.type : 'real',
        },
        () => {
          let total = 0;
          let n = 0;
          return {
            add: (row) => {
              const v = arg.evaluate(row);
              if (typeof v === 'number') {
                total += v;
                n++;
              }
            },
            value: () => (n === 0 ? null : total / n),
          };
        },
      );
    }
    case 'min':
    case 'max': {
      const arg = one();
      const sign = name === 'min' ? -1 : 1;
      return single({ name: colName(name, arg), type: arg.type }, () => {
        let best: unknown = null;
        return {
          add: (row) => {
            const v = arg.evaluate(row);
            if (v === null || v === undefined || (arg.type === 'string' && v === '')) return;
            if (best === null || compareValues(v, best) * sign > 0) best = v;
          },
          value: () => best,
        };
      });
    }
    case 'make_set':
    case 'make_list': {
      const [arg, limit] = args();
      if (!arg) throw semanticError(`aggregate '${name}' expects an argument.`);
      const max = limit ? Number(limit.evaluate({})) : Number.POSITIVE_INFINITY;
      return single({ name: colName(name, arg), type: 'dynamic' }, () => {
        const items: unknown[] = [];
        const seen = new Set<string>();
        return {
          add: (row) => {
            const v = arg.evaluate(row);
            if (v === null || v === undefined || items.length >= max) return;
            for (const item of arg.type === 'dynamic' && Array.isArray(v) && name === 'make_set' ? v : [v]) {
              const key = groupKey([item]);
              if (name === 'make_set' && seen.has(key)) continue;
              seen.add(key);
              if (items.length < max) items.push(item);
            }
          },
          value: () => items,
        };
      });
    }
    case 'take_any':
    case 'any': {
      const compiled = argNodes.map((n) => (isStar(n) ? undefined : compileScalar(n, scope)));
      if (compiled.some((c) => c === undefined)) throw unsupported(`${name}(*)`);
      const list = compiled as CompiledScalar[];
      return {
        columns: list.map((c, i) => ({
          name: (i === 0 ? explicitName : undefined) ?? c.defaultName ?? `${name}_${i}`,
          type: c.type,
        })),
        create: () => {
          let first: unknown[] | undefined;
          return {
            add: (row) => void (first ??= list.map((c) => c.evaluate(row))),
            result: () => first ?? list.map(() => null),
          };
        },
      };
    }
    case 'arg_max':
    case 'arg_min': {
      if (argNodes.length < 1) throw semanticError(`aggregate '${name}' expects at least one argument.`);
      const by = compileScalar(argNodes[0]!, scope);
      const byName = explicitName ?? by.defaultName ?? `${name}_`;
      const outputs: { column: Column; value: (row: SourceRow) => unknown }[] = [
        { column: { name: byName, type: by.type }, value: (row) => by.evaluate(row) },
      ];
      for (const n of argNodes.slice(1)) {
        if (isStar(n)) {
          for (const c of scope.columns)
            if (!excluded.has(c.name) && !outputs.some((o) => o.column.name === c.name))
              outputs.push({ column: c, value: (row) => row[c.name] ?? null });
        } else {
          const target = kindOf(n) === 'SimpleNamedExpression' ? prop(n, 'Expression')! : n;
          const compiled = compileScalar(target, scope);
          const outName =
            kindOf(n) === 'SimpleNamedExpression'
              ? nameOf(prop(n, 'Name'))!
              : (compiled.defaultName ?? `${name}_arg${outputs.length}`);
          if (!outputs.some((o) => o.column.name === outName))
            outputs.push({
              column: { name: outName, type: compiled.type },
              value: (row) => compiled.evaluate(row),
            });
        }
      }
      const sign = name === 'arg_min' ? -1 : 1;
      return {
        columns: outputs.map((o) => o.column),
        create: () => {
          let best: unknown = null;
          let bestRow: SourceRow | undefined;
          return {
            add: (row) => {
              const v = by.evaluate(row);
              if (v === null || v === undefined) return;
              if (bestRow === undefined || compareValues(v, best) * sign > 0) {
                best = v;
                bestRow = row;
              }
            },
            result: () => outputs.map((o) => (bestRow ? o.value(bestRow) : null)),
          };
        },
      };
    }
    default:
      throw unsupported(`The aggregation function '${name}()'`);
  }
}
