// Span extraction on the tfjs WebGPU backend (Dawn on SwiftShader in Node): the span scores come
// from the WGSL GlobalPointer kernel. Same float64 reference as the cpu/wasm tests.
import { startDawnWebGPU } from '../../gpu/dawn.testutil';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeWebGPU } from '../../gpu/backend';
import { KERNEL_NAMES } from '../../gpu/kernels/webgpu-kernels';
import { quietContext } from '../context';
import type { Session } from '../session';
import { extractSpans } from './spans';
import { expectSameSpans, fixtureWith, randomSpanHead, referenceScores, type HeadSpec } from './spans.test-helpers';

const TEXT = '在文件菜单中选择另存为，然后保存 report.docx 文件';
const EFFICIENT: HeadSpec = { kind: 'efficient_global_pointer', types: 2, headSize: 16, seed: 11 };
const PLAIN: HeadSpec = { kind: 'global_pointer', types: 3, headSize: 8, seed: 23 };

describe('spans on webgpu (Dawn)', () => {
  let efficient: Session;
  let plain: Session;

  beforeAll(async () => {
    await startDawnWebGPU();
    efficient = await fixtureWith(randomSpanHead(EFFICIENT), { span_types: ['ui_term', 'file_name'], span_head_size: 16 });
    plain = await fixtureWith(randomSpanHead(PLAIN), { span_head: { labels: ['a', 'b', 'c'] } });
  });

  afterAll(() => {
    efficient?.model.dispose();
    plain?.model.dispose();
    disposeWebGPU();
  });

  it('Efficient GlobalPointer: the same spans and scores as the float64 reference', async () => {
    const before = tf.memory().numTensors;
    const r = await extractSpans(efficient, { text: TEXT }, quietContext());
    expect(tf.memory().numTensors).toBe(before);
    expect(r.head.labels).toEqual(['ui_term', 'file_name']);
    // The scores came from the WGSL kernel, not the tfjs-ops fallback.
    expect(tf.getKernel(KERNEL_NAMES.globalPointer, 'webgpu')).toBeDefined();
    expectSameSpans(r, await referenceScores(efficient, EFFICIENT, efficient.tokenizer.encode(TEXT).ids), 0);
  });

  it('plain GlobalPointer: the same spans and scores as the float64 reference', async () => {
    const r = await extractSpans(plain, { text: TEXT, threshold: 0.5 }, quietContext());
    expect(r.head).toMatchObject({ kind: 'global_pointer', qkHeads: 3, headSize: 8 });
    expectSameSpans(r, await referenceScores(plain, PLAIN, plain.tokenizer.encode(TEXT).ids), 0.5);
  });
});
