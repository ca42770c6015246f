// CLI commands of the generation tasks (generate, similar, gibbs). Each reads stdin line by line
// (a plain text line, or a JSON object whose fields override the flags) and prints one JSON
// result per line. Flags use the kebab-case of the task's options (--top-k for topK).
import type { TaskContext } from '../tasks/context';
import { quietContext } from '../tasks/context';
import { gibbsSample, type GibbsParams } from '../tasks/generate/gibbs';
import { generateText, type GenerateParams } from '../tasks/generate/seq2seq';
import { similarQuestions, type SimilarParams } from '../tasks/generate/similar';
import type { Session } from '../tasks/session';
import type { ParsedArgs } from './args';
import type { Command } from './commands';
import { CliError, loadModelDir, parseJsonLine, printJson, startBackend, stdinLines } from './common';

type OptionType = 'int' | 'number' | 'bool' | 'string';
type OptionSpec = Record<string, OptionType>; // camelCase key → type

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Reads the flags named in `spec` (kebab-case) into an object of typed values. */
export function optionsFromFlags(args: ParsedArgs, spec: OptionSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, type] of Object.entries(spec)) {
    const flag = kebab(key);
    const raw = args.flags.get(flag);
    if (args.flags.has(`no-${flag}`) && type === 'bool') out[key] = false;
    if (raw === undefined) continue;
    if (type === 'bool') {
      if (raw === true || raw === 'true') out[key] = true;
      else if (raw === 'false') out[key] = false;
      else throw new CliError(`--${flag} is a switch: give it alone, or as --${flag}=true / --${flag}=false (got "${raw}").`);
      continue;
    }
    if (raw === true) throw new CliError(`--${flag} needs a value.`);
    if (type === 'string') {
      out[key] = raw;
      continue;
    }
    const v = Number(raw);
    if (!Number.isFinite(v) || (type === 'int' && !Number.isInteger(v))) throw new CliError(`--${flag} must be ${type === 'int' ? 'a whole number' : 'a number'} (got "${raw}").`);
    out[key] = v;
  }
  return out;
}

const SAMPLING: OptionSpec = { n: 'int', topK: 'int', topP: 'number', temperature: 'number', maxLength: 'int', consistent: 'bool', seed: 'int' };
const GENERATE_OPTIONS: OptionSpec = {
  ...SAMPLING, strategy: 'string', minLength: 'int', maxSourceLength: 'int', beamSize: 'int', nBest: 'int', lengthPenalty: 'number',
  repetitionPenalty: 'number', noRepeatNgramSize: 'int',
};
const SIMILAR_OPTIONS: OptionSpec = { ...SAMPLING, maxSourceLength: 'int', k: 'int', pooling: 'string', batchSize: 'int' };
const GIBBS_OPTIONS: OptionSpec = {
  length: 'int', steps: 'int', burnIn: 'int', chains: 'int', order: 'string', temperature: 'number', topK: 'int', mh: 'bool', seed: 'int',
};

/** Progress on stderr with --progress, so stdout stays pure JSON lines. */
function context(args: ParsedArgs): TaskContext {
  if (!args.flags.has('progress')) return quietContext();
  return {
    signal: new AbortController().signal,
    progress: (done, total, unit, label) => process.stderr.write(`${label ?? unit}: ${done}/${total} ${unit}\n`),
  };
}

/** Runs `task` once per stdin line with the flags as defaults. Plain lines set `textKey`. */
async function perLine<P>(args: ParsedArgs, spec: OptionSpec, textKey: string, task: (s: Session, p: P, ctx: TaskContext) => Promise<unknown>): Promise<void> {
  const defaults = optionsFromFlags(args, spec);
  await startBackend(args);
  const session = await loadModelDir(args);
  let n = 0;
  for await (const line of stdinLines()) {
    n++;
    const fields = line.trim().startsWith('{') ? parseJsonLine(line, n) : { [textKey]: line };
    printJson(await task(session, { ...defaults, ...fields } as P, context(args)));
  }
}

const COMMON = '--model DIR [--backend cpu|wasm|webgpu] [--progress]';

export const GENERATE_COMMANDS: Record<string, Command> = {
  generate: {
    summary: `generate ${COMMON} [--strategy greedy|beam|sample] [--max-length N] [--min-length N] [--beam-size B] [--n-best K] [--length-penalty A] [--n N] [--top-k K] [--top-p P] [--temperature T] [--no-consistent] [--seed S] [--repetition-penalty R] [--no-repeat-ngram-size N]: UniLM seq2seq from each stdin line (text or JSON options)`,
    run: (args) => perLine<GenerateParams>(args, GENERATE_OPTIONS, 'text', generateText),
  },
  similar: {
    summary: `similar ${COMMON} [--n 50] [--top-k 5] [--top-p P] [--temperature T] [--max-length 32] [--no-consistent] [--seed S] [--k 20] [--pooling auto|linear-pool|pooler|pooler-linear|cls]: SimBERT similar questions for each stdin line, ranked by cosine`,
    run: (args) => perLine<SimilarParams>(args, SIMILAR_OPTIONS, 'text', similarQuestions),
  },
  gibbs: {
    summary: `gibbs ${COMMON} [--length 16] [--steps 200] [--burn-in 50] [--chains 4] [--order random|sequential] [--temperature T] [--top-k K] [--mh] [--seed S]: Gibbs sampling from the MLM; each stdin line is a start text, or JSON options ({} starts from [MASK]s)`,
    run: (args) => perLine<GibbsParams>(args, GIBBS_OPTIONS, 'text', (s, p, ctx) => gibbsSample(s, p, ctx)),
  },
};
