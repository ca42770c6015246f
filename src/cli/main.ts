// The command-line interface: the same task code as the page, JSON on stdout.
// Usage: npm run cli -- <command> [options]   (see `npm run cli -- help`)
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from './args';
import { COMMANDS, usage } from './commands';
import { CliError } from './common';

async function main(): Promise<number> {
  // Production mode: no debug checks and no console banner mixed into the output.
  tf.env().set('PROD', true);
  const args = parseArgs(process.argv.slice(2));
  if (!args.command || args.command === 'help' || args.flags.has('help')) {
    process.stdout.write(usage());
    return args.command ? 0 : 1;
  }
  const command = COMMANDS[args.command];
  if (!command) {
    process.stderr.write(`Unknown command "${args.command}".\n\n${usage()}`);
    return 2;
  }
  try {
    await command.run(args);
    return 0;
  } catch (e) {
    const err = e as Error;
    const known = e instanceof CliError || ['WeightFormatError', 'TaskError'].includes(err?.name);
    process.stderr.write(`error: ${err?.message ?? String(e)}\n`);
    if (!known && process.env.DEBUG) process.stderr.write(`${err?.stack}\n`);
    return known ? 1 : 3;
  }
}

/** Exits once everything written to stdout has been flushed (a pipe takes 64 KiB at a time). */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main().then(exitAfterFlush, (e) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  exitAfterFlush(3);
});
