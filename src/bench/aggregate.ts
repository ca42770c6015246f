// Turns the timings of several passes (one fresh browser context each) into the medians and
// minimums the benchmark reports. Pure: used by the Node driver and its test.
import { median, minimum } from './inputs';

export interface SideStats {
  medianMs: number;
  minMs: number;
  /** Median of each pass, in pass order: shows the drift between passes on a loaded machine. */
  passMediansMs: number[];
  runs: number;
}

export function sideStats(passes: readonly (readonly number[])[]): SideStats {
  const all = passes.flat();
  return { medianMs: median(all), minMs: minimum(all), passMediansMs: passes.map((p) => median(p)), runs: all.length };
}

export interface Comparison {
  ours: SideStats;
  peer: SideStats;
  /** Peer median / our median: above 1 we are faster. */
  ratio: number;
  /** Peer minimum / our minimum: the same on the least disturbed runs. */
  ratioOfMinimums: number;
}

export function compare(ours: readonly (readonly number[])[], peer: readonly (readonly number[])[]): Comparison {
  const o = sideStats(ours);
  const p = sideStats(peer);
  return { ours: o, peer: p, ratio: p.medianMs / o.medianMs, ratioOfMinimums: p.minMs / o.minMs };
}

/** Of several peer configurations (e.g. 1 and 2 threads), the one with the lowest median. */
export function bestBy<T>(options: readonly T[], medianOf: (t: T) => number): T {
  if (options.length === 0) throw new RangeError('bestBy needs at least one option.');
  return options.reduce((best, t) => (medianOf(t) < medianOf(best) ? t : best));
}
