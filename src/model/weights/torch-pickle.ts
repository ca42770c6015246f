// PyTorch `torch.save` checkpoints (zip format, torch >= 1.6): a ZIP holding
// `<archive>/data.pkl` (the pickled state_dict) and one `<archive>/data/<key>` file per
// storage. The pickle runs in a restricted interpreter that knows only the few globals a
// state_dict needs; anything else (os.system, builtins.eval, ...) is refused by name.
import { PyCallable, unpickle, type PickleEnv } from './pickle';
import { DTYPE_BYTES, numElements, WeightFormatError, type DType, type RawTensor, type TensorInfo } from './types';
import { listZip, readZipEntry, type ZipEntry } from './zip';

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32', HalfStorage: 'float16', BFloat16Storage: 'bfloat16', DoubleStorage: 'float64',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8',
  ByteStorage: 'uint8', BoolStorage: 'bool', UntypedStorage: 'uint8',
};

// Dtype objects appear as arguments of _rebuild_tensor_v3 (pickled as GLOBAL torch.<name>).
const TORCH_DTYPES: Record<string, DType> = {
  float32: 'float32', float: 'float32', float16: 'float16', half: 'float16', bfloat16: 'bfloat16',
  float64: 'float64', double: 'float64', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32',
  int16: 'int16', short: 'int16', int8: 'int8', uint8: 'uint8', bool: 'bool',
};

class StorageType { constructor(readonly dtype: DType) {} }
class TorchDType { constructor(readonly dtype: DType) {} }

/** One `data/<key>` file, read lazily so that listing never touches tensor bytes. */
class Storage {
  private cached?: Uint8Array;
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly numel: number,
    readonly entry: ZipEntry,
    private readonly archive: Uint8Array,
  ) {}
  bytes(): Uint8Array {
    this.cached ??= readZipEntry(this.archive, this.entry);
    return this.cached;
  }
  /** The same bytes seen as another dtype (_rebuild_tensor_v3 over an untyped storage). */
  as(dtype: DType): Storage {
    const bytes = this.numel * DTYPE_BYTES[this.dtype];
    if (bytes % DTYPE_BYTES[dtype] !== 0) {
      throw new WeightFormatError(`storage ${this.key}: ${bytes} bytes is not a whole number of ${dtype} elements.`);
    }
    return new Storage(this.key, dtype, bytes / DTYPE_BYTES[dtype], this.entry, this.archive);
  }
}

class TorchTensor {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

function isIndexList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);
}

function rebuildTensor(qualname: string, storage: unknown, offset: unknown, size: unknown, stride: unknown): TorchTensor {
  if (!(storage instanceof Storage)) throw new WeightFormatError(`${qualname} was given no storage; the pickle is corrupt.`);
  if (!Number.isSafeInteger(offset) || (offset as number) < 0 || !isIndexList(size) || !isIndexList(stride) || size.length !== stride.length) {
    throw new WeightFormatError(`${qualname}: invalid offset/size/stride for storage ${storage.key}; the pickle is corrupt.`);
  }
  const numel = numElements(size);
  if (numel > 0) {
    let last = offset as number;
    for (let i = 0; i < size.length; i++) last += (size[i]! - 1) * stride[i]!;
    if (last >= storage.numel) {
      throw new WeightFormatError(`a tensor reaches element ${last} of storage ${storage.key}, which has ${storage.numel} elements; the file is corrupt.`);
    }
    // Overlapping views (stride 0 broadcasts) would expand a small storage into a huge copy.
    if (numel > storage.numel) {
      throw new WeightFormatError(`a tensor of ${numel} elements views storage ${storage.key} of ${storage.numel}; overlapping views are not supported.`);
    }
  }
  return new TorchTensor(storage, offset as number, size, stride);
}

function torchEnv(prefix: string, entries: Map<string, ZipEntry>, archive: Uint8Array): PickleEnv {
  const storages = new Map<string, Storage>();
  const allowed: Record<string, unknown> = {
    'collections.OrderedDict': new PyCallable('collections.OrderedDict', (args) => {
      const dict = new Map<unknown, unknown>();
      const items = args[0];
      if (Array.isArray(items)) for (const pair of items) if (Array.isArray(pair) && pair.length === 2) dict.set(pair[0], pair[1]);
      return dict;
    }),
    'torch._utils._rebuild_tensor_v2': new PyCallable('torch._utils._rebuild_tensor_v2', (a) =>
      rebuildTensor('_rebuild_tensor_v2', a[0], a[1], a[2], a[3])),
    'torch._utils._rebuild_tensor_v3': new PyCallable('torch._utils._rebuild_tensor_v3', (a) => {
      const dtype = a[6];
      if (!(a[0] instanceof Storage) || !(dtype instanceof TorchDType)) {
        throw new WeightFormatError('_rebuild_tensor_v3 needs a storage and a dtype; the pickle is corrupt.');
      }
      return rebuildTensor('_rebuild_tensor_v3', a[0].as(dtype.dtype), a[1], a[2], a[3]);
    }),
    // A Parameter is its data plus autograd flags that inference does not need.
    'torch._utils._rebuild_parameter': new PyCallable('torch._utils._rebuild_parameter', (a) => a[0]),
    'torch._utils._rebuild_parameter_with_state': new PyCallable('torch._utils._rebuild_parameter_with_state', (a) => a[0]),
  };
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) allowed[`torch.${name}`] = new StorageType(dtype);
  for (const [name, dtype] of Object.entries(TORCH_DTYPES)) allowed[`torch.${name}`] = new TorchDType(dtype);

  return {
    findGlobal(module, name) {
      const qualname = `${module}.${name}`;
      if (!Object.hasOwn(allowed, qualname)) {
        throw new WeightFormatError(`pickle references ${qualname}, which a weight file never needs; refusing to load.`);
      }
      return allowed[qualname];
    },
    persistentLoad(pid) {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
        throw new WeightFormatError(`unsupported persistent id ${JSON.stringify(String(pid))}; only tensor storages are allowed.`);
      }
      const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
      if (!(type instanceof StorageType) || typeof key !== 'string' || !Number.isSafeInteger(numel) || (numel as number) < 0) {
        throw new WeightFormatError('malformed storage reference in the pickle; the file is corrupt.');
      }
      const cached = storages.get(key);
      if (cached) return cached;
      const path = `${prefix}data/${key}`;
      const entry = entries.get(path);
      if (!entry) throw new WeightFormatError(`storage ${path} is referenced by the pickle but missing from the archive.`);
      if ((numel as number) * DTYPE_BYTES[type.dtype] > entry.size) {
        throw new WeightFormatError(`storage ${path} should hold ${numel as number} ${type.dtype} values but has only ${entry.size} bytes.`);
      }
      const storage = new Storage(key, type.dtype, numel as number, entry, archive);
      storages.set(key, storage);
      return storage;
    },
    build(obj) {
      // OrderedDict state carries only `_metadata` (module versions); weights never need it.
      if (obj instanceof Map) return obj;
      throw new WeightFormatError('pickle BUILDs an object that is not a dict; refusing to load.');
    },
  };
}

/** Tensors by state_dict name; a training checkpoint nests them under `state_dict`/`model`. */
function collectTensors(root: unknown, depth = 0): [string, TorchTensor][] {
  if (!(root instanceof Map)) throw new WeightFormatError('the checkpoint does not hold a dict of tensors (a state_dict).');
  const found = [...root].filter((e): e is [string, TorchTensor] => typeof e[0] === 'string' && e[1] instanceof TorchTensor);
  if (found.length > 0) return found;
  // A few levels suffice for real checkpoints; the limit also stops a dict that contains itself.
  for (const key of ['state_dict', 'model', 'module', 'model_state_dict']) {
    if (depth < 4 && root.get(key) instanceof Map) return collectTensors(root.get(key), depth + 1);
  }
  throw new WeightFormatError('the checkpoint holds no tensors (expected a state_dict of name → tensor).');
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/** Copies a strided view into a dense row-major buffer, element by element. */
function gatherStrided(t: TorchTensor, src: Uint8Array): Uint8Array {
  const itemBytes = DTYPE_BYTES[t.storage.dtype];
  const numel = numElements(t.shape);
  const out = new Uint8Array(numel * itemBytes);
  const index = new Array<number>(t.shape.length).fill(0);
  for (let i = 0; i < numel; i++) {
    let element = t.offset;
    for (let d = 0; d < index.length; d++) element += index[d]! * t.stride[d]!;
    out.set(src.subarray(element * itemBytes, (element + 1) * itemBytes), i * itemBytes);
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d]! < t.shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

function byteSwapped(bytes: Uint8Array, itemBytes: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += itemBytes) {
    for (let j = 0; j < itemBytes; j++) out[i + j] = bytes[i + itemBytes - 1 - j]!;
  }
  return out;
}

interface ParsedTorch {
  tensors: [string, TorchTensor][];
  bigEndian: boolean;
}

function parseTorchZip(bytes: Uint8Array): ParsedTorch {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
    throw new WeightFormatError('this is a legacy (torch < 1.6) checkpoint; re-save it with a newer torch.save or convert it to safetensors.');
  }
  const entries = new Map(listZip(bytes).map((e) => [e.name, e]));
  const pkl = [...entries.keys()].find((n) => /^[^/]*\/?data\.pkl$/.test(n));
  if (pkl === undefined) throw new WeightFormatError('the ZIP archive has no <archive>/data.pkl; it is not a torch.save checkpoint.');
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  const bigEndian = order !== undefined && new TextDecoder().decode(readZipEntry(bytes, order)).trim() === 'big';
  const root = unpickle(readZipEntry(bytes, entries.get(pkl)!), torchEnv(prefix, entries, bytes));
  return { tensors: collectTensors(root), bigEndian };
}

/** Lists a torch.save checkpoint. Offsets are absolute file offsets when the storage is stored (uncompressed). */
export function listTorchCheckpoint(bytes: Uint8Array): TensorInfo[] {
  return parseTorchZip(bytes).tensors.map(([name, t]) => {
    const itemBytes = DTYPE_BYTES[t.storage.dtype];
    const base = t.storage.entry.method === 0 ? t.storage.entry.dataOffset : 0;
    return { name, dtype: t.storage.dtype, shape: t.shape, offset: base + t.offset * itemBytes, size: numElements(t.shape) * itemBytes };
  });
}

/** Reads every tensor of a torch.save checkpoint, named as in its state_dict. */
export function readTorchCheckpoint(bytes: Uint8Array): RawTensor[] {
  const { tensors, bigEndian } = parseTorchZip(bytes);
  return tensors.map(([name, t]) => {
    const itemBytes = DTYPE_BYTES[t.storage.dtype];
    const src = t.storage.bytes();
    const size = numElements(t.shape) * itemBytes;
    let data = isContiguous(t.shape, t.stride)
      ? src.subarray(t.offset * itemBytes, t.offset * itemBytes + size)
      : gatherStrided(t, src);
    if (bigEndian && itemBytes > 1) data = byteSwapped(data, itemBytes);
    return { name, dtype: t.storage.dtype, shape: t.shape, bytes: data };
  });
}

/** Alias of readTorchCheckpoint (the file is a ZIP archive written by torch.save). */
