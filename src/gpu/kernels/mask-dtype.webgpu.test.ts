// tfjs casts bool/int32 → float32 without copying: the tensor says float32 but its WebGPU
// buffer holds i32. Masks made that way must give the same results as real float masks.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { installNodeWebGPU } from '../node-gpu';
import { globalPointerScores, linearAttention } from './index';

const ROWS = [
  [1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 0, 0],
];

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.max(tf.abs(tf.sub(a, b)));
  const v = (await d.data())[0]!;
  d.dispose();
  return v;
}

describe('kernel masks stored as integers (webgpu)', () => {
  beforeAll(async () => {
    const gpu = await installNodeWebGPU();
    await initBackend({ gpu, override: 'webgpu' });
  });

  it('linear attention and GlobalPointer read a bool-cast mask like a float mask', async () => {
    const q = tf.randomNormal([2, 4, 7, 16], 0, 1, 'float32', 3) as tf.Tensor4D;
    const k = tf.randomNormal([2, 4, 7, 16], 0, 1, 'float32', 4) as tf.Tensor4D;
    const floatMask = tf.tensor2d(ROWS);
    const castMask = tf.cast(tf.greater(tf.tensor2d(ROWS, undefined, 'int32'), 0), 'float32') as tf.Tensor2D;
    expect(castMask.dtype).toBe('float32');
    const types = tf.tensor2d([[0, 0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 0, 0, 0]], undefined, 'int32');
    const a = linearAttention(q, k, q, { mode: 'unilm', keyMask: floatMask, typeIds: tf.cast(types, 'float32') as tf.Tensor2D });
    const b = linearAttention(q, k, q, { mode: 'unilm', keyMask: castMask, typeIds: tf.cast(types, 'float32') as tf.Tensor2D });
    expect(await maxDiff(a, b)).toBe(0);
    const free = linearAttention(q, k, q, { mode: 'unilm', typeIds: tf.cast(types, 'float32') as tf.Tensor2D });
    expect(await maxDiff(a, free)).toBeGreaterThan(1e-3); // the mask did something
    const g1 = globalPointerScores(q, k, floatMask);
    const g2 = globalPointerScores(q, k, castMask);
    expect(await maxDiff(g1, g2)).toBe(0);
    tf.dispose([q, k, floatMask, castMask, types, a, b, free, g1, g2]);
  });
});
