// Similar questions on the fixture model: ranking by cosine (checked against vectors computed
// here straight from the model), dedupe, input exclusion, streaming, clamping and cancellation.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../gpu/backend';
import { toFloat32 } from '../../model/weights/types';
import { CancelledError, TaskError } from '../../worker/protocol';
import { quietContext, type TaskContext } from '../context';
import type { Session } from '../session';
import { loadFixtureSession, loadFixtureSessionWith, rawFloat32 } from './fixture-session.testutil';
import { distinctCandidates, similarQuestions, type SimilarPartial } from './similar';

let session: Session;
const QUESTION = '今天天气怎么样';

beforeAll(async () => {
  await initBackend({ override: 'cpu', gpu: null });
  session = await loadFixtureSession();
});

afterAll(() => session.model.dispose());

/** Sentence vector of `[CLS] text-ids [SEP]` computed here, one sentence per forward, no padding. */
async function referenceVector(s: Session, ids: number[], pool: (cls: tf.Tensor2D, last: tf.Tensor3D) => tf.Tensor2D): Promise<number[]> {
  const v = tf.tidy(() => {
    const { lastHidden } = s.model.forward({ inputIds: tf.tensor2d([ids], [1, ids.length], 'int32') });
    const cls = tf.slice(lastHidden, [0, 0, 0], [1, 1, s.model.config.hiddenSize]).reshape([1, s.model.config.hiddenSize]) as tf.Tensor2D;
    return pool(cls, lastHidden);
  });
  const out = Array.from(await v.data());
  v.dispose();
  const norm = Math.hypot(...out);
  return out.map((x) => x / norm);
}

function dot(a: number[], b: number[]): number {
  return a.reduce((acc, x, i) => acc + x * b[i]!, 0);
}

function recorder(): { ctx: TaskContext; partials: SimilarPartial[]; controller: AbortController } {
  const controller = new AbortController();
  const partials: SimilarPartial[] = [];
  return {
    controller,
    partials,
    ctx: { signal: controller.signal, progress: (_d, _t, _u, _l, partial) => partial && partials.push(partial as SimilarPartial) },
  };
}

describe('similar questions (cpu)', () => {
  it('ranks distinct candidates by the cosine of their pooled vectors to the question', async () => {
    const before = tf.memory().numTensors;
    const { ctx, partials } = recorder();
    const r = await similarQuestions(session, { text: QUESTION, n: 24, maxLength: 8, seed: 3, k: 200, batchSize: 5 }, ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.sampled).toBe(24);
    expect(r.pooling).toBe('pooler');
    expect(r.results.length).toBe(r.distinct);
    expect(r.results.length).toBeGreaterThan(3);
    for (let i = 1; i < r.results.length; i++) expect(r.results[i - 1]!.score).toBeGreaterThanOrEqual(r.results[i]!.score);
    const keys = r.results.map((c) => c.text.replace(/\s+/g, '').toLowerCase());
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).not.toContain(QUESTION);
    // Scores equal cosines computed here from BERT's tanh pooler, one unpadded sentence at a time.
    const pool = (_cls: tf.Tensor2D, last: tf.Tensor3D) => session.model.pooler(last);
    const q = await referenceVector(session, session.tokenizer.encode(QUESTION).ids, pool);
    for (const c of r.results.slice(0, 6)) {
      const ids = session.tokenizer.encode(c.text).ids;
      expect(Math.abs(dot(await referenceVector(session, ids, pool), q) - c.score)).toBeLessThan(1e-5);
    }
    // Streaming: one partial per decoding step, finished candidates only ever added.
    const sampling = partials.filter((p) => p.phase === 'sampling');
    expect(sampling.map((p) => p.step)).toEqual(sampling.map((_, i) => i + 1));
    for (let i = 1; i < sampling.length; i++) expect(sampling[i]!.finished.slice(0, sampling[i - 1]!.finished.length)).toEqual(sampling[i - 1]!.finished);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
  });

  it('is reproducible from its seed', async () => {
    const params = { text: QUESTION, n: 10, maxLength: 6, seed: 11 };
    const a = await similarQuestions(session, params, quietContext());
    const b = await similarQuestions(session, params, quietContext());
    expect(a.results).toEqual(b.results);
    const c = await similarQuestions(session, { ...params, seed: 12 }, quietContext());
    expect(c.results.map((x) => x.text)).not.toEqual(a.results.map((x) => x.text));
  });

  it('drops duplicates and the input, counting how often each text was drawn', () => {
    const tok = session.tokenizer;
    const ids = (text: string) => tok.encode(text).ids.slice(1, -1);
    const source = tok.encode('今天天气怎么样').ids;
    const samples = [
      { ids: [...ids('明天下雨'), tok.sepId], ended: true },
      { ids: [...ids('今天天气怎么样'), tok.sepId], ended: true }, // the input itself
      { ids: [...ids('明天 下雨'), tok.sepId], ended: true }, // same text up to spaces
      { ids: [tok.sepId], ended: true }, // empty
      { ids: ids('天气'), ended: false },
    ];
    const out = distinctCandidates(tok, samples, '今天天气怎么样', source);
    expect(out.map((c) => [c.text, c.count, c.ended])).toEqual([['明天下雨', 2, true], ['天气', 1, false]]);
    expect(out[0]!.ids).toEqual(ids('明天下雨'));
  });

  it('clamps n and the maximum length with a notice, and refuses empty text', async () => {
    const r = await similarQuestions(session, { text: QUESTION, n: 500, maxLength: 1, seed: 1 }, quietContext());
    expect(r.sampled).toBe(200);
    expect(r.notices.join(' ')).toMatch(/number of candidates 500 is outside 1–200; using 200/);
    const long = await similarQuestions(session, { text: QUESTION.repeat(10), n: 2, maxLength: 200, seed: 1 }, quietContext());
    expect(long.notices.join(' ')).toMatch(/maximum length 200 is outside 1–64; using 64/);
    expect(long.truncated).toBe(true);
    await expect(similarQuestions(session, { text: '   ' }, quietContext())).rejects.toThrow(TaskError);
    await expect(similarQuestions(session, { text: '   ' }, quietContext())).rejects.toThrow(/empty/);
  });

  it('stops within one decoding step of a cancel and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const { ctx, partials, controller } = recorder();
    const wrapped: TaskContext = {
      signal: ctx.signal,
      progress: (d, t, u, l, p) => {
        ctx.progress(d, t, u, l, p);
        if ((p as SimilarPartial | undefined)?.step === 2) controller.abort();
      },
    };
    // minLength is not a similar-questions option; temperature 0.3 makes [SEP] unlikely so it runs long.
    await expect(similarQuestions(session, { text: QUESTION, n: 8, maxLength: 30, seed: 5, temperature: 0.3 }, wrapped)).rejects.toBeInstanceOf(CancelledError);
    expect(partials.at(-1)!.step).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('says that generation needs the MLM head', async () => {
    const headless = await loadFixtureSessionWith([], (n) => n.startsWith('cls.predictions'));
    try {
      await expect(similarQuestions(headless, { text: QUESTION }, quietContext())).rejects.toThrow('no MLM head (cls.predictions.*), and similar-question generation needs it');
    } finally {
      headless.model.dispose();
    }
  });

  for (const prefix of ['similarity_pool', 'pool']) {
    it(`uses a SimBERT linear pool on top of the pooler (${prefix}.dense.*) when the weights carry one`, async () => {
      const h = session.model.config.hiddenSize;
      const d = 8;
      const w = Array.from({ length: d * h }, (_, i) => Math.sin(i * 0.37) * 0.3);
      const b = Array.from({ length: d }, (_, i) => 0.1 * (i - 4));
      const s = await loadFixtureSessionWith([rawFloat32(`${prefix}.dense.weight`, [d, h], w), rawFloat32(`${prefix}.dense.bias`, [d], b)]);
      try {
        const r = await similarQuestions(s, { text: QUESTION, n: 12, maxLength: 6, seed: 2 }, quietContext());
        expect(r.pooling).toBe('linear-pool');
        // W·tanh-pooler + b with no activation after it, W in PyTorch [out, in] layout.
        const pool = (_cls: tf.Tensor2D, last: tf.Tensor3D) => tf.add(tf.matMul(s.model.pooler(last), tf.tensor2d(w, [d, h]), false, true), tf.tensor1d(b)) as tf.Tensor2D;
        const q = await referenceVector(s, s.tokenizer.encode(QUESTION).ids, pool);
        for (const c of r.results.slice(0, 4)) {
          expect(Math.abs(dot(await referenceVector(s, s.tokenizer.encode(c.text).ids, pool), q) - c.score)).toBeLessThan(1e-5);
        }
      } finally {
        s.model.dispose();
      }
    });
  }

  it('offers the pooler without tanh and the raw [CLS] state as poolings', async () => {
    const cls = await similarQuestions(session, { text: QUESTION, n: 6, maxLength: 4, seed: 2, pooling: 'cls' }, quietContext());
    const q = await referenceVector(session, session.tokenizer.encode(QUESTION).ids, (c) => c.clone());
    const top = cls.results[0]!;
    expect(Math.abs(dot(await referenceVector(session, session.tokenizer.encode(top.text).ids, (c) => c.clone()), q) - top.score)).toBeLessThan(1e-5);
    const lin = await similarQuestions(session, { text: QUESTION, n: 6, maxLength: 4, seed: 2, pooling: 'pooler-linear' }, quietContext());
    expect(lin.pooling).toBe('pooler-linear');
    const wp = session.files.tensors.get('bert.pooler.dense.weight')!;
    const bp = session.files.tensors.get('bert.pooler.dense.bias')!;
    const linear = (c: tf.Tensor2D) => tf.add(tf.matMul(c, tf.tensor2d(toFloat32(wp), wp.shape as [number, number]), false, true), tf.tensor1d(toFloat32(bp))) as tf.Tensor2D;
    const ql = await referenceVector(session, session.tokenizer.encode(QUESTION).ids, linear);
    const topL = lin.results[0]!;
    expect(Math.abs(dot(await referenceVector(session, session.tokenizer.encode(topL.text).ids, linear), ql) - topL.score)).toBeLessThan(1e-5);
    await expect(similarQuestions(session, { text: QUESTION, pooling: 'linear-pool' }, quietContext())).rejects.toThrow(/no SimBERT linear pool \(similarity_pool\.dense\.\* or pool\.dense\.\*\)/);
  });
});
