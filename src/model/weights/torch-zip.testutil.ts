// Builds small torch.save-style checkpoints for tests: a protocol-2 pickle shaped like the one
// torch emits (one _rebuild_tensor_v2 per tensor) plus one stored data file per storage.
import { zipSync } from 'fflate';
import type { DType } from './types';

const STORAGE_NAMES: Partial<Record<DType, string>> = {
  float32: 'FloatStorage', float16: 'HalfStorage', int64: 'LongStorage', int32: 'IntStorage', uint8: 'ByteStorage',
};

export interface TorchTestTensor {
  name: string;
  dtype: DType;
  shape: number[];
  /** The whole storage's bytes. */
  storage: Uint8Array;
  storageOffset?: number;
  stride?: number[];
}

/** Writes pickle opcodes; mirrors what Python's protocol-2 pickler emits. */
export class PickleWriter {
  private readonly out: number[] = [];
  op(...codes: number[]): this { this.out.push(...codes); return this; }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.op(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24);
    return this.op(...b);
  }
  int(v: number): this {
    if (v >= 0 && v < 256) return this.op(0x4b, v);
    if (v >= 0 && v < 65536) return this.op(0x4d, v & 0xff, v >> 8);
    return this.op(0x4a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }
  tuple(values: number[]): this {
    this.op(0x28);
    for (const v of values) this.int(v);
    return this.op(0x74);
  }
  bytes(): Uint8Array { return Uint8Array.from(this.out); }
}

export function torchPickle(tensors: TorchTestTensor[]): Uint8Array {
  const w = new PickleWriter().op(0x80, 2).op(0x7d).op(0x28);
  tensors.forEach((t, key) => {
    const row = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const itemBytes = { float32: 4, float16: 2, int64: 8, int32: 4, uint8: 1 }[t.dtype as 'float32'];
    w.str(t.name).global('torch._utils', '_rebuild_tensor_v2').op(0x28);
    w.op(0x28).str('storage').global('torch', STORAGE_NAMES[t.dtype]!).str(String(key)).str('cpu')
      .int(t.storage.length / itemBytes).op(0x74).op(0x51);
    w.int(t.storageOffset ?? 0).tuple(t.shape).tuple(t.stride ?? row).op(0x89);
    w.global('collections', 'OrderedDict').op(0x29, 0x52).op(0x74, 0x52);
  });
  return w.op(0x75, 0x2e).bytes();
}

export function torchZip(tensors: TorchTestTensor[], prefix = 'archive'): Uint8Array {
  const files: Record<string, Uint8Array> = { [`${prefix}/data.pkl`]: torchPickle(tensors), [`${prefix}/version`]: new TextEncoder().encode('3\n') };
  tensors.forEach((t, key) => { files[`${prefix}/data/${key}`] = t.storage; });
  return zipSync(files, { level: 0 });
}

/** Wraps a hand-written pickle in an otherwise valid checkpoint archive. */
export function zipWithPickle(pickle: Uint8Array): Uint8Array {
  return zipSync({ 'archive/data.pkl': pickle, 'archive/version': new TextEncoder().encode('3\n') }, { level: 0 });
}
