// CLI commands of the explanation tasks (attribute, segment).
import { readFileSync } from 'node:fs';
import type { DistanceMetric } from '../gpu/kernels';
import { quietContext } from '../tasks/context';
import { attribute } from '../tasks/explain/ig';
import { impactMatrix } from '../tasks/explain/impact-matrix';
import { attributeParamsFromJson, attributeResultToJson, segmentResultToJson } from '../tasks/explain/requests';
import { flagString, type ParsedArgs } from './args';
import type { Command } from './commands';
import { CliError, loadModelDir, parseJsonLine, printJson, startBackend, stdinLines } from './common';

function numberFlag(args: ParsedArgs, name: string): number | undefined {
  const v = flagString(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`--${name} must be a number (got "${v}").`);
  return n;
}

async function* textLines(args: ParsedArgs): AsyncGenerator<string> {
  const file = flagString(args, 'text');
  if (!file) {
    yield* stdinLines();
    return;
  }
  let body: string;
  try {
    body = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`${file} cannot be read.`);
  }
  for (const line of body.split('\n')) if (line.trim()) yield line.replace(/\r$/, '');
}

export const EXPLAIN_COMMANDS: Record<string, Command> = {
  attribute: {
    summary:
      'attribute --model DIR [--backend B]: lines of {"texts", "mask_position", "target_id" | "target_token", "steps", "rule", "baseline", "target": mlm|similarity|nsp} (or "input_ids"…) → {attributions, F_x, F_baseline, completeness_gap}',
    async run(args) {
      await startBackend(args);
      const session = await loadModelDir(args);
      let n = 0;
      for await (const line of stdinLines()) {
        n++;
        printJson(attributeResultToJson(await attribute(session, attributeParamsFromJson(parseJsonLine(line, n)), quietContext())));
      }
    },
  },
  segment: {
    summary:
      'segment --model DIR [--backend B] [--layer L] [--threshold T] [--metric euclidean|cosine] [--text FILE] [--no-tree]: one sentence a line (stdin or FILE) → {words, threshold, tree, …}',
    async run(args) {
      await startBackend(args);
      const session = await loadModelDir(args);
      const layer = numberFlag(args, 'layer');
      const threshold = numberFlag(args, 'threshold');
      const metric = (flagString(args, 'metric') ?? 'euclidean') as DistanceMetric;
      const tree = !args.flags.has('no-tree');
      for await (const text of textLines(args)) {
        printJson(segmentResultToJson(await impactMatrix(session, { text, layer, threshold, metric, tree }, quietContext())));
      }
    },
  },
};
