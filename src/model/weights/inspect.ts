// Table of contents of any supported checkpoint, choosing the parser by content first
// (magic numbers) and by file name second, so a renamed file still opens and a damaged
// file gets its own format's error message.
import { isNative, listNative, NATIVE_EXTENSION } from './native';
import { listSafetensors } from './safetensors';
import { listTfCheckpoint } from './tf-bundle';
import { listTorchCheckpoint } from './torch-pickle';
import { WeightFormatError, type TensorInfo } from './types';

export type CheckpointFormat = 'safetensors' | 'torch' | 'tf-index' | 'native';

const TABLE_MAGIC = [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb];

function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  return len <= BigInt(bytes.length - 8) && bytes[8] === 0x7b; // '{'
}

/** Which reader a file needs; throws a WeightFormatError naming what was found instead. */
export function detectCheckpointFormat(fileName: string, bytes: Uint8Array): CheckpointFormat {
  const name = fileName.toLowerCase();
  if (isNative(bytes)) return 'native';
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'torch';
  if (bytes.length >= 8 && TABLE_MAGIC.every((b, i) => bytes[bytes.length - 8 + i] === b)) return 'tf-index';
  if (looksLikeSafetensors(bytes)) return 'safetensors';
  if (/\.data-\d+-of-\d+$/.test(name)) {
    throw new WeightFormatError(`${fileName} is a TensorFlow data shard; open the matching .index file (e.g. model.ckpt.index) to inspect it.`);
  }
  if (/\.(h5|hdf5|keras)$/.test(name)) {
    throw new WeightFormatError(`${fileName} is a Keras HDF5 file, which is not supported; save the model as a TensorFlow checkpoint (save_weights_as_checkpoint) or safetensors.`);
  }
  // Damaged files: let the format the name promises explain what is wrong.
  if (name.endsWith('.safetensors')) return 'safetensors';
  if (name.endsWith('.index')) return 'tf-index';
  if (name.endsWith(NATIVE_EXTENSION)) return 'native';
  if (/\.(bin|pt|pth)$/.test(name)) return 'torch';
  throw new WeightFormatError(
    `${fileName} is not a recognised weight file; expected .safetensors, a torch.save file (pytorch_model.bin), a TensorFlow model.ckpt.index or a ${NATIVE_EXTENSION} file.`,
  );
}

export function inspectCheckpoint(fileName: string, bytes: Uint8Array): TensorInfo[] {
  switch (detectCheckpointFormat(fileName, bytes)) {
    case 'native': return listNative(bytes);
    case 'torch': return listTorchCheckpoint(bytes);
    case 'tf-index': return listTfCheckpoint(bytes);
    case 'safetensors': return listSafetensors(bytes);
  }
}
