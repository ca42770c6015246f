// `npm run bench [-- --json FILE] [-- --only NAME]`: runs every registered benchmark, prints a
// table, and optionally writes {name: {ratio, ...}} as JSON. Never part of `npm test`.
import { writeFileSync } from 'node:fs';
import { parseArgs, flagString } from '../src/cli/args';
import { BENCHMARKS, type BenchResult } from './benchmarks';
import './bench-all';

async function main(): Promise<void> {
  const args = parseArgs(['bench', ...process.argv.slice(2)]);
  const only = flagString(args, 'only');
  const results: Record<string, BenchResult> = {};
  const selected = BENCHMARKS.filter((b) => !only || b.name.includes(only));
  if (selected.length === 0) {
    process.stdout.write(only ? `No benchmark matches "${only}".\n` : 'No benchmarks are registered yet.\n');
  }
  for (const bench of selected) {
    process.stdout.write(`running ${bench.name}...\n`);
    for (const [name, r] of Object.entries(await bench.run())) results[name] = r;
  }
  const rows = Object.entries(results).map(([name, r]) => `${name.padEnd(44)} ${r.ratio.toFixed(2).padStart(8)}x  ours ${r.ours_ms.toFixed(2)} ms  peer ${r.peer_ms.toFixed(2)} ms  ${r.note ?? ''}`);
  process.stdout.write(`\n${'benchmark'.padEnd(44)} ${'ratio'.padStart(9)}\n${rows.join('\n')}\n`);
  const json = flagString(args, 'json');
  if (json) writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
