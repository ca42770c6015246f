// ?bench: times each WGSL kernel against its tfjs peer (benchKernels from src/gpu/kernels/bench.ts)
// and shows max error, median time, napkin FLOPs and bytes, and the peer/ours ratio.
import { benchKernels, type Row } from '../gpu/kernels/bench';
import { appendRow, el, exp, table } from './dom';
import type { PageParams } from './params';

/** Head dim of every benchmark (and hidden size of the distance inputs). */
export const BENCH_D = 64;

function cells(r: Row): string[] {
  return [
    r.kernel, r.peer, String(r.n), exp(r.maxErr, 1), r.oursMs.toFixed(2), r.peerMs.toFixed(2),
    `×${r.ratio.toFixed(2)}`, (r.flops / 1e6).toFixed(1), (r.flops / (r.oursMs * 1e6)).toFixed(2),
    (r.bytes / 2 ** 20).toFixed(2), (r.bytes / (r.oursMs * 1e6)).toFixed(2),
  ];
}

/** Runs the benchmark, adding one table row per result. Returns every row. */
export async function runBenchView(root: HTMLElement, params: PageParams, status: (text: string) => void): Promise<Row[]> {
  root.append(el('p', {}, `d = ${BENCH_D}, batch 1, one head; sizes ${params.sizes.join(', ')}; median of ${params.reps} ` +
    'timed calls after one warm-up (a call slower than 20 s is timed once). Ratio = peer time / ours: above 1, ours is faster. ' +
    'Max error: sampled rows against float64.'));
  const t = table(['kernel', 'peer', 'n', 'max rel err', 'ours ms', 'peer ms', 'peer/ours', 'MFLOP', 'GFLOP/s', 'MiB', 'GB/s'],
    { id: 'bench-table' });
  root.append(t.table);
  let done = 0;
  return benchKernels({
    sizes: params.sizes, reps: params.reps, d: BENCH_D, seed: params.seed,
    onRow: (r) => {
      done++;
      status(`bench: ${done} rows (last: ${r.kernel} n=${r.n})`);
      appendRow(t.body, cells(r));
    },
  });
}
