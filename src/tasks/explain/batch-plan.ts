// How many sequences the explanation tasks push through the model at once.
//
// Both tasks run many copies of one sentence (interpolation points for integrated gradients,
// masked copies for Perturbed Masking). One batch per copy wastes the device on dispatch
// overhead; all copies in one batch can exhaust its memory on a long sentence. So the batch is
// sized from an estimate of the activation bytes one copy needs and a per-backend budget.
import * as tf from '@tensorflow/tfjs';
import type { BertConfig } from '../../model/config';

const MB = 1 << 20;

/**
 * Activation budget per batch in bytes. A GPU keeps the whole batch's activations in buffers
 * that must each fit maxStorageBufferBindingSize (128 MiB at the WebGPU defaults); on the CPU
 * backends memory is the heap, and larger batches gain little once dispatch overhead is amortised.
 */
export function activationBudget(): number {
  return tf.getBackend() === 'webgpu' ? 192 * MB : 96 * MB;
}

/**
 * Bytes one interpolation point of integrated gradients holds until the backward pass:
 * per layer the saved inputs of ~8 [L, H] ops, 2 of [L, I] (dense + GELU) and 3 of [N, L, L]
 * (scores, softmax, context), plus the [V] logits row of the MLM target and its softmax.
 */
export function gradientBytesPerPoint(config: BertConfig, length: number): number {
  const { numLayers, hiddenSize: h, intermediateSize: i, numHeads: n, vocabSize: v } = config;
  const perLayer = length * (16 * h + 3 * i + 3 * n * length);
  return 4 * (numLayers * perLayer + length * 4 * h + 3 * v);
}

/**
 * Bytes one sequence needs in a forward pass without gradients: the model frees each layer's
 * intermediates before the next, so the peak is about one layer ([L, H] ×6, [L, I] ×2,
 * [N, L, L] ×2) plus the hidden state carried between layers.
 */
export function forwardBytesPerSequence(config: BertConfig, length: number): number {
  const { hiddenSize: h, intermediateSize: i, numHeads: n } = config;
  return 4 * length * (8 * h + 2 * i + 2 * n * length);
}

/** Copies per batch: as many as fit the budget, at least 1, at most `total`. */
export function copiesPerBatch(total: number, bytesPerCopy: number, budget: number = activationBudget()): number {
  return Math.max(1, Math.min(total, Math.floor(budget / Math.max(bytesPerCopy, 1))));
}
