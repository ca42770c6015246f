// The training pipeline's held-out files (train/work/, never committed): modern sentences one a
// line, and paraphrase pairs `a \t b \t id`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export class HeldoutMissingError extends Error {
  constructor(path: string) {
    super(`${path} is missing. Produce the held-out data with \`/usr/bin/python3 train/corpus.py\` (it writes train/work/), or point --heldout-dir at a folder holding heldout.txt and pairs_heldout.tsv.`);
    this.name = 'HeldoutMissingError';
  }
}

function readLines(path: string): string[] {
  if (!existsSync(path)) throw new HeldoutMissingError(path);
  return readFileSync(path, 'utf8').split('\n').map((l) => l.replace(/\r$/, '').trim()).filter(Boolean);
}

/** The first `limit` held-out modern sentences. */
export function readHeldoutSentences(dir: string, limit = Infinity): string[] {
  return readLines(join(dir, 'heldout.txt')).slice(0, limit);
}

/** The first `limit` held-out paraphrase pairs with two non-empty sides. */
export function readHeldoutPairs(dir: string, limit = Infinity): [string, string][] {
  return readLines(join(dir, 'pairs_heldout.tsv'))
    .map((l) => l.split('\t'))
    .filter((f) => f.length >= 2 && f[0]!.trim() && f[1]!.trim())
    .map((f): [string, string] => [f[0]!.trim(), f[1]!.trim()])
    .slice(0, limit);
}

/** Fails early, before a model is loaded, when a file a requested metric needs is absent. */
export function checkHeldoutFiles(dir: string, needSentences: boolean, needPairs: boolean): void {
  for (const [need, name] of [[needSentences, 'heldout.txt'], [needPairs, 'pairs_heldout.tsv']] as const) {
    if (need && !existsSync(join(dir, name))) throw new HeldoutMissingError(join(dir, name));
  }
}
