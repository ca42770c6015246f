// The CLI's commands. Each prints JSON (one object per line where the input is per line).
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../gpu/backend';
import { installNodeWebGPU } from '../gpu/node-gpu';
import { quietContext } from '../tasks/context';
import { fillMask } from '../tasks/fill-mask';
import { extractSpans, type SpanParams } from '../tasks/spans/spans';
import { flagString, type ParsedArgs } from './args';
import { CliError, loadModelDir, parseJsonLine, printJson, startBackend, stdinLines } from './common';
import { GENERATE_COMMANDS } from './generate-commands';
import { EXPLAIN_COMMANDS } from './explain-commands';
import { convertCommand, forwardCommand, inspectCommand, tokenizeCommand } from './model-commands';

export interface Command {
  summary: string;
  run(args: ParsedArgs): Promise<void>;
}

async function probe(name: 'cpu' | 'wasm' | 'webgpu') {
  try {
    const gpu = name === 'webgpu' ? await installNodeWebGPU() : null;
    const report = await initBackend({ override: name, gpu });
    const x = tf.tensor1d([1, 2, 3]);
    const ok = (await x.square().sum().data())[0] === 14;
    x.dispose();
    return { available: ok, ...report };
  } catch (e) {
    return { backend: name, available: false, error: (e as Error).message };
  }
}

export const COMMANDS: Record<string, Command> = {
  info: {
    summary: 'info: backends found in this Node, the WebGPU adapter and its limits',
    async run() {
      const backends = [await probe('cpu'), await probe('wasm'), await probe('webgpu')];
      printJson({ tfjs: tf.version.tfjs, node: process.version, backends });
    },
  },
  'fill-mask': {
    summary: 'fill-mask --model DIR [--backend cpu|wasm|webgpu] [--top-k K]: reads text lines with [MASK] on stdin',
    async run(args) {
      await startBackend(args);
      const session = await loadModelDir(args);
      const topK = Number(flagString(args, 'top-k') ?? 5);
      let n = 0;
      for await (const line of stdinLines()) {
        n++;
        const text = line.trim().startsWith('{') ? String(parseJsonLine(line, n).text ?? '') : line;
        printJson(await fillMask(session, { text, topK }, quietContext()));
      }
    },
  },
  spans: {
    summary: 'spans --model DIR [--backend B] [--threshold T] [--max-spans N]: text lines (or {"text", "threshold", "maxSpans"}) → labelled spans from the span head',
    async run(args) {
      const defaults: Omit<SpanParams, 'text'> = {};
      for (const [flag, key] of [['threshold', 'threshold'], ['max-spans', 'maxSpans']] as const) {
        const raw = flagString(args, flag);
        if (raw === undefined) continue;
        if (!Number.isFinite(Number(raw))) throw new CliError(`--${flag} must be a number (got "${raw}").`);
        defaults[key] = Number(raw);
      }
      await startBackend(args);
      const session = await loadModelDir(args);
      let n = 0;
      for await (const line of stdinLines()) {
        n++;
        const fields = line.trim().startsWith('{') ? parseJsonLine(line, n) : { text: line };
        printJson(await extractSpans(session, { ...defaults, ...fields } as SpanParams, quietContext()));
        // A piped stdout is asynchronous: let a long line (tens of kB) flush before main() exits.
        await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
      }
    },
  },
};

COMMANDS.inspect = { summary: 'inspect PATH: a checkpoint\'s tensors as [{name, dtype, shape, offset, size}] (a TF .index file alone works)', run: inspectCommand };
COMMANDS.tokenize = { summary: 'tokenize --model DIR | --vocab FILE [--cased]: text lines on stdin → {tokens, ids, input_ids}', run: tokenizeCommand };
COMMANDS.forward = {
  summary: 'forward --model DIR [--backend B]: lines of {"texts": [...]} or {"input_ids", "token_type_ids", "attention_mask" | "attention_mask_3d"} → hidden states, pooler, MLM logits at [MASK]',
  run: forwardCommand,
};
COMMANDS.convert = { summary: 'convert --model DIR --out DIR [--dtype float16|float32]: any supported format → the native model.bpg', run: convertCommand };

Object.assign(COMMANDS, GENERATE_COMMANDS, EXPLAIN_COMMANDS);

export function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.summary}`);
  return `Usage: npm run cli -- <command> [options]\n\nCommands:\n${lines.join('\n')}\n`;
}
