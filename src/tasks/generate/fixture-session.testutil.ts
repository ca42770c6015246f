// The tiny fixture model as a Session, for the generation tests (random weights: outputs are
// noise, but deterministic). Extra tensors can be added to test weights outside BERT's own.
import { readFileSync } from 'node:fs';
import type { ModelFile } from '../../model/files';
import type { RawTensor } from '../../model/weights/types';
import { createSession, loadSession, type Session } from '../session';
import { loadModelFiles } from '../../model/load';

const DIR = 'tests/fixtures/hf-tiny-bert-zh';

function fixtureFile(name: string): ModelFile {
  const data = new Uint8Array(readFileSync(`${DIR}/${name}`));
  return { name, size: data.byteLength, read: async (p) => (p?.(data.byteLength, data.byteLength), data) };
}

export function fixtureFiles(): ModelFile[] {
  return ['config.json', 'vocab.txt', 'model.safetensors'].map(fixtureFile);
}

/** Loads the fixture on the active backend; the caller disposes `session.model`. */
export function loadFixtureSession(): Promise<Session> {
  return loadSession('tiny-fixture', fixtureFiles());
}

/** The fixture plus extra tensors (kept under their own names, as a loader keeps unknown ones). */
export async function loadFixtureSessionWith(extra: RawTensor[], dropNames: (name: string) => boolean = () => false): Promise<Session> {
  const files = await loadModelFiles(fixtureFiles());
  for (const name of [...files.tensors.keys()]) if (dropNames(name)) files.tensors.delete(name);
  for (const t of extra) files.tensors.set(t.name, t);
  return createSession('tiny-fixture+extra', files);
}

/** A float32 RawTensor from numbers. */
export function rawFloat32(name: string, shape: number[], values: ArrayLike<number>): RawTensor {
  const data = Float32Array.from(values);
  return { name, dtype: 'float32', shape, bytes: new Uint8Array(data.buffer) };
}
