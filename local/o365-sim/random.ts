/**
 * Seeded randomness. Every generated value is derived from (seed, a few labels) rather than drawn from one stream,
 * so any hour, blob or alert can be rebuilt on its own, in any order — which is what makes the tenant lazy.
 */

/** 32-bit hash of the parts (FNV-1a over their text, then a murmur finaliser for avalanche). */
export function hash32(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${part}\u0001`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small deterministic generator (mulberry32). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks by relative weight; `weights` and `items` have the same length. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A version-4-shaped GUID. */
  guid(): string {
    const word = (): string => (Math.floor(this.next() * 2 ** 32) >>> 0).toString(16).padStart(8, '0');
    const a = word() + word() + word() + word();
    const variant = '89ab'[Math.floor(this.next() * 4)] as string;
    return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-${variant}${a.slice(17, 20)}-${a.slice(20, 32)}`;
  }

  /** Lower-case hex string of `length` characters. */
  hex(length: number): string {
    let out = '';
    while (out.length < length)
      out += (Math.floor(this.next() * 2 ** 32) >>> 0).toString(16).padStart(8, '0');
    return out.slice(0, length);
  }
}

/** A generator for one labelled purpose under the seed. */
export function rngFor(seed: number, ...labels: ReadonlyArray<string | number>): Rng {
  return new Rng(hash32(seed, ...labels));
}

/** A deterministic uniform [0, 1) draw for one labelled decision (content faults). */
export function draw(seed: number, ...labels: ReadonlyArray<string | number>): number {
  return rngFor(seed, ...labels).next();
}
