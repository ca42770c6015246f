// The benchmark registry. Each entry measures ours against a peer side by side in one run and
// returns ratios (peer time / our time, so > 1 means we are faster).
export interface BenchResult {
  ratio: number;
  ours_ms: number;
  peer_ms: number;
  adapter?: string;
  note?: string;
  [extra: string]: unknown;
}

export interface Benchmark {
  name: string;
  run(): Promise<Record<string, BenchResult>>;
}

export const BENCHMARKS: Benchmark[] = [];

/** Each feature's benchmarks live in scripts/bench-<feature>.ts and register here. */
export function registerBenchmarks(list: Benchmark[]): void {
  BENCHMARKS.push(...list);
}
