// Runs many forward passes back to back: a long job to watch progress, responsiveness and
// cancellation, and a rough throughput number for the loaded model on the active backend.
import * as tf from '@tensorflow/tfjs';
import { TaskError } from '../worker/protocol';
import { yieldAndCheck, type TaskContext } from './context';
import type { Session } from './session';

export interface StressParams {
  forwards: number;
  seqLen?: number;
  batch?: number;
}

export interface StressResult {
  forwards: number;
  msPerForward: number;
  tokensPerSecond: number;
}

export async function stressForwards(session: Session, params: StressParams, ctx: TaskContext): Promise<StressResult> {
  const n = Math.round(params.forwards);
  if (!(n >= 1 && n <= 100_000)) throw new TaskError('bad-input', 'The number of forwards must be between 1 and 100000.');
  const maxLen = session.model.config.maxPositions;
  const seqLen = Math.min(Math.max(Math.round(params.seqLen ?? 32), 2), maxLen);
  const batch = Math.min(Math.max(Math.round(params.batch ?? 1), 1), 64);
  const vocab = session.model.config.vocabSize;
  const ids = tf.tensor2d(
    Array.from({ length: batch * seqLen }, (_, i) => (i % seqLen === 0 ? session.tokenizer.clsId : 100 + ((i * 7919) % Math.max(vocab - 100, 1)))),
    [batch, seqLen],
    'int32',
  );
  const start = performance.now();
  try {
    for (let i = 0; i < n; i++) {
      const out = tf.tidy(() => session.model.forward({ inputIds: ids }).lastHidden.slice([0, 0, 0], [1, 1, 1]));
      await out.data(); // wait for the GPU: the time must include the work
      out.dispose();
      ctx.progress(i + 1, n, 'forwards');
      await yieldAndCheck(ctx.signal);
    }
  } finally {
    ids.dispose();
  }
  const ms = (performance.now() - start) / n;
  return { forwards: n, msPerForward: ms, tokensPerSecond: (batch * seqLen * 1000) / ms };
}
