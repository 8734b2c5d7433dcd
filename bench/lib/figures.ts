/**
 * One way to print a benchmark's figures: each with its target and PASS/MISS, plus the scale it ran at and the
 * machine, so a number is never read without its context. Results are also written as JSON under .local/bench/ so
 * the README table can be refreshed from the last run without re-typing numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Human text of the target, e.g. "≥ 0.9". */
  target: string;
  /** Undefined when the figure is informative only (no target). */
  pass?: boolean;
  note?: string;
}

export interface BenchReport {
  bench: string;
  scale: string;
  machine: string;
  at: string;
  figures: Figure[];
}

export function machineDescription(): string {
  const cpu = cpus();
  return `${cpu.length}× ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

/** A figure against a lower bound (value ≥ min passes). */
export function atLeast(name: string, value: number, min: number, unit = '', note?: string): Figure {
  return { name, value, unit, target: `≥ ${min}${unit ? ` ${unit}` : ''}`, pass: value >= min, note };
}

/** A figure against an upper bound (value ≤ max passes). */
export function atMost(name: string, value: number, max: number, unit = '', note?: string): Figure {
  return { name, value, unit, target: `≤ ${max}${unit ? ` ${unit}` : ''}`, pass: value <= max, note };
}

export function info(name: string, value: number, unit = '', note?: string): Figure {
  return { name, value, unit, target: '—', note };
}

function format(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}

export function printReport(report: BenchReport): void {
  console.log(`\n${report.bench} — scale: ${report.scale}`);
  console.log(`machine: ${report.machine}`);
  const rows = report.figures.map((f) => [
    f.name,
    `${format(f.value)}${f.unit ? ` ${f.unit}` : ''}`,
    f.target,
    f.pass === undefined ? '' : f.pass ? 'PASS' : 'MISS',
    f.note ?? '',
  ]);
  const header = ['figure', 'value', 'target', 'result', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Prints and keeps the report as .local/bench/<bench>.json. */
export function publish(bench: string, scale: string, figures: Figure[]): BenchReport {
  const report: BenchReport = {
    bench,
    scale,
    machine: machineDescription(),
    at: new Date().toISOString(),
    figures,
  };
  printReport(report);
  const dir = resolve(__dirname, '..', '..', '.local', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${bench}.json`), JSON.stringify(report, null, 2));
  return report;
}
