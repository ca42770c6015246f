// Sentence search on the fixture model: an index of a few hundred sentences, exact matches first,
// batching and padding that do not change the vectors, truncation notices and stale indexes.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../gpu/backend';
import { CancelledError, TaskError } from '../../worker/protocol';
import { quietContext, type TaskContext } from '../context';
import type { Session } from '../session';
import { loadFixtureSession } from './fixture-session.testutil';
import { buildSearchIndex, clearSearchIndexes, MAX_INDEXES, querySearchIndex, topCosine } from './search';
import { SentenceEncoder } from './sentence-embed';

let session: Session;

const SUBJECTS = ['今天', '明天', '周末', '我们', '他们', '老师', '孩子们', '这家店'];
const PREDICATES = ['天气怎么样', '去公园散步', '吃什么好', '几点开门', '在哪里上课', '想看电影', '要下雨吗', '很开心'];
const TAILS = ['', '？', '呢', '啊'];
/** 256 distinct short sentences. */
const SENTENCES = SUBJECTS.flatMap((s) => PREDICATES.flatMap((p) => TAILS.map((t) => `${s}${p}${t}`)));

beforeAll(async () => {
  await initBackend({ override: 'cpu', gpu: null });
  session = await loadFixtureSession();
});

afterAll(() => {
  clearSearchIndexes();
  session.model.dispose();
});

describe('sentence search (cpu)', () => {
  it('finds a sentence of the list first, with cosine 1, and reports embedding progress', async () => {
    expect(new Set(SENTENCES).size).toBe(256);
    const before = tf.memory().numTensors;
    const progress: [number, number][] = [];
    const ctx: TaskContext = { signal: new AbortController().signal, progress: (d, t) => progress.push([d, t]) };
    const index = await buildSearchIndex(session, { sentences: [...SENTENCES, '  '], batchSize: 40 }, ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect(index).toMatchObject({ count: 256, skippedBlank: 1, dim: 64, pooling: 'pooler', truncated: false });
    expect(progress[0]).toEqual([0, 256]);
    expect(progress.at(-1)).toEqual([256, 256]);
    expect(progress.length).toBe(1 + Math.ceil(256 / 40));
    for (const i of [0, 37, 130, 255]) {
      const r = await querySearchIndex(session, { indexId: index.indexId, query: SENTENCES[i]!, k: 5 }, quietContext());
      expect(r.hits[0]!.text).toBe(SENTENCES[i]);
      expect(r.hits[0]!.index).toBe(i);
      expect(r.hits[0]!.score).toBeCloseTo(1, 5);
      expect(r.hits).toHaveLength(5);
      for (let j = 1; j < 5; j++) expect(r.hits[j - 1]!.score).toBeGreaterThanOrEqual(r.hits[j]!.score);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same scores as embedding each hit on its own', async () => {
    const index = await buildSearchIndex(session, { sentences: SENTENCES.slice(0, 50), batchSize: 16 }, quietContext());
    const r = await querySearchIndex(session, { indexId: index.indexId, query: '明天要下雨吗？', k: 8 }, quietContext());
    const encoder = new SentenceEncoder(session);
    try {
      const [q] = await encoder.embed([session.tokenizer.encode('明天要下雨吗？').ids]);
      for (const h of r.hits) {
        const [v] = await encoder.embed([session.tokenizer.encode(h.text).ids]);
        let dot = 0;
        for (let j = 0; j < v!.length; j++) dot += v![j]! * q![j]!;
        expect(Math.abs(dot - h.score)).toBeLessThan(1e-5);
      }
    } finally {
      encoder.dispose();
    }
  });

  it('cuts long sentences and long queries with a visible notice', async () => {
    const long = '天气'.repeat(100);
    const index = await buildSearchIndex(session, { sentences: ['短句', long], maxLength: 16 }, quietContext());
    expect(index.truncated).toBe(true);
    expect(index.truncatedCount).toBe(1);
    expect(index.truncatedExamples).toEqual([1]);
    expect(index.notices.join(' ')).toMatch(/1 sentence\(s\) were longer than 16 tokens/);
    const r = await querySearchIndex(session, { indexId: index.indexId, query: long, k: 1 }, quietContext());
    expect(r.truncated).toBe(true);
    expect(r.notices.join(' ')).toMatch(/cut to fit/);
    // Cut to the same 16 tokens, the long query equals the long sentence.
    expect(r.hits[0]!.index).toBe(1);
    expect(r.hits[0]!.score).toBeCloseTo(1, 5);
  });

  it('refuses empty input, unknown or stale indexes, and stops on cancel', async () => {
    await expect(buildSearchIndex(session, { sentences: ['', '  '] }, quietContext())).rejects.toThrow(/empty/);
    const index = await buildSearchIndex(session, { sentences: ['一', '二'] }, quietContext());
    await expect(querySearchIndex(session, { indexId: index.indexId, query: ' ' }, quietContext())).rejects.toBeInstanceOf(TaskError);
    await expect(querySearchIndex(session, { indexId: 'index-none', query: '一' }, quietContext())).rejects.toThrow(/does not exist/);
    const other = await loadFixtureSession();
    try {
      await expect(querySearchIndex(other, { indexId: index.indexId, query: '一' }, quietContext())).rejects.toThrow(/model changed/);
    } finally {
      other.model.dispose();
    }
    for (let i = 0; i < MAX_INDEXES; i++) await buildSearchIndex(session, { sentences: ['三'] }, quietContext());
    await expect(querySearchIndex(session, { indexId: index.indexId, query: '一' }, quietContext())).rejects.toThrow(/does not exist/);

    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let calls = 0;
    const ctx: TaskContext = {
      signal: controller.signal,
      progress: () => {
        if (++calls === 2) controller.abort();
      },
    };
    await expect(buildSearchIndex(session, { sentences: SENTENCES, batchSize: 8 }, ctx)).rejects.toBeInstanceOf(CancelledError);
    expect(calls).toBe(2); // the batch after the cancel never ran
    expect(tf.memory().numTensors).toBe(before);
  });

  it('topCosine returns the best rows first, lower row on ties', () => {
    const m = Float32Array.from([1, 0, 0, 1, 0.6, 0.8, 1, 0]); // 4 rows of 2
    expect(topCosine(m, 2, Float32Array.from([1, 0]), 3)).toEqual([
      { index: 0, score: 1 },
      { index: 3, score: 1 },
      { index: 2, score: expect.closeTo(0.6, 6) as unknown as number },
    ]);
  });
});
