/** Command-line options of a benchmark: every option takes a value; `--only a,b` picks parts of a benchmark. */
import { parseArgs } from 'node:util';

export interface BenchArgs<K extends string> {
  values: Partial<Record<K, string>>;
  /** Whether a part runs: every part when `--only` is absent. */
  want(part: string): boolean;
}

export function benchArgs<K extends string>(names: readonly K[]): BenchArgs<K> {
  const options = Object.fromEntries([...names, 'only'].map((n) => [n, { type: 'string' as const }]));
  const { values } = parseArgs({ options });
  const only = (values.only as string | undefined)?.split(',');
  return {
    values: values as Partial<Record<K, string>>,
    want: (part) => !only || only.includes(part),
  };
}
