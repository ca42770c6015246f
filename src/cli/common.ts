// Shared pieces of the CLI commands: backend start-up, model loading from a directory, JSON I/O.
import { readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { initBackend, isBackendName, type BackendReport } from '../gpu/backend';
import { installNodeWebGPU } from '../gpu/node-gpu';
import type { ModelFile } from '../model/files';
import { loadSession, type Session } from '../tasks/session';
import { flagString, type ParsedArgs } from './args';

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Starts the backend named by --backend (default wasm; webgpu runs through Dawn). */
export async function startBackend(args: ParsedArgs): Promise<BackendReport> {
  const name = flagString(args, 'backend') ?? 'wasm';
  if (!isBackendName(name) || name === 'webgl') {
    throw new CliError(`--backend must be cpu, wasm or webgpu (got "${name}").`);
  }
  const gpu = name === 'webgpu' ? await installNodeWebGPU() : null;
  if (name === 'webgpu' && !gpu) {
    throw new CliError('WebGPU is not available in this Node: install the "webgpu" package and Chromium (for SwiftShader), or use --backend wasm.');
  }
  return initBackend({ override: name, gpu });
}

export function filesFromDirectory(dir: string): ModelFile[] {
  let names: string[];
  try {
    names = statSync(dir).isDirectory() ? readdirSync(dir) : [basename(dir)];
  } catch {
    throw new CliError(`${dir} does not exist.`);
  }
  const base = statSync(dir).isDirectory() ? dir : join(dir, '..');
  return names
    .filter((n) => statSync(join(base, n)).isFile())
    .map((name) => {
      const path = join(base, name);
      const size = statSync(path).size;
      return {
        name,
        size,
        async read(onProgress) {
          const buf = await readFile(path);
          onProgress?.(buf.byteLength, size);
          return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
        },
      };
    });
}

export async function loadModelDir(args: ParsedArgs): Promise<Session> {
  const dir = flagString(args, 'model');
  if (!dir) throw new CliError('--model DIR is required (a folder with config.json, vocab.txt and weights, or a .bpg file).');
  return loadSession(basename(dir), filesFromDirectory(dir));
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Reads stdin line by line (non-empty lines only). */
export async function* stdinLines(): AsyncGenerator<string> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) if (line.trim()) yield line;
}

export function parseJsonLine(line: string, lineNo: number): Record<string, unknown> {
  try {
    const v = JSON.parse(line) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* below */
  }
  throw new CliError(`input line ${lineNo} is not a JSON object.`);
}
