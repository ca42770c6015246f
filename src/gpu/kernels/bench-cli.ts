// Runs the kernel benchmark on Dawn WebGPU in Node and prints one line per row.
//   npx vite-node src/gpu/kernels/bench-cli.ts [sizes=128,512,2048,8192] [reps=3]
import { initBackend } from '../backend';
import { installNodeWebGPU } from '../node-gpu';
import { benchKernels, type Row } from './bench';

function format(r: Row): string {
  const gflops = r.flops / (r.oursMs * 1e6);
  return [
    r.kernel.padEnd(30), `n=${String(r.n).padStart(5)}`, `ours ${r.oursMs.toFixed(1).padStart(9)} ms`,
    `peer ${r.peerMs.toFixed(1).padStart(9)} ms`, `×${r.ratio.toFixed(2).padStart(7)}`,
    r.oursCpuMs !== undefined && r.peerCpuMs !== undefined ? `cpu ×${(r.peerCpuMs / r.oursCpuMs).toFixed(2).padStart(6)}` : '',
    `maxErr ${r.maxErr.toExponential(1)}`, `${gflops.toFixed(2)} GFLOP/s`, `${(r.bytes / 2 ** 20).toFixed(1)} MiB`,
    `vs ${r.peer}`,
  ].join('  ');
}

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const sizes = args.sizes ? args.sizes.split(',').map(Number) : undefined;
const reps = args.reps ? Number(args.reps) : undefined;

const gpu = await installNodeWebGPU();
if (!gpu) throw new Error('Dawn WebGPU is not available (npm package "webgpu").');
const report = await initBackend({ gpu, override: 'webgpu' });
console.log(`backend ${report.backend}: ${report.adapter?.description ?? 'unknown adapter'}`);
await benchKernels({ sizes, reps, onRow: (r) => console.log(format(r)) });
process.exit(0);
