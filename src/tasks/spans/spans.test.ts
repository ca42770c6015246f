// Span extraction on the fixture model with seeded random span heads, against the float64
// reference of the whole head, on cpu and wasm; plus head detection, config and input errors.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../gpu/backend';
import { TaskError } from '../../worker/protocol';
import { quietContext } from '../context';
import type { Session } from '../session';
import { findSpanHead, parseSpanHeadConfig } from './head';
import { extractSpans, spanHeadStatus } from './spans';
import { expectSameSpans, FIXTURE_HIDDEN, fixtureWith, randomSpanHead, referenceScores, type HeadSpec } from './spans.test-helpers';

const TEXT = '在文件菜单中选择另存为，然后保存 report.docx 文件';
const EFFICIENT: HeadSpec = { kind: 'efficient_global_pointer', types: 2, headSize: 16, seed: 11 };
const PLAIN: HeadSpec = { kind: 'global_pointer', types: 3, headSize: 8, seed: 23 };

async function expectTaskError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TaskError);
  expect((err as TaskError).code).toBe(code);
  expect((err as TaskError).message).toMatch(message);
}

describe.each(['cpu', 'wasm'] as const)('spans on %s', (backend) => {
  let efficient: Session;
  let plain: Session;
  let bare: Session;

  beforeAll(async () => {
    await initBackend({ override: backend, gpu: null });
    expect(tf.getBackend()).toBe(backend);
    efficient = await fixtureWith(randomSpanHead(EFFICIENT), { span_head: { labels: ['ui_term', 'file_name'], head_size: 16, type: 'efficient_global_pointer' } });
    plain = await fixtureWith(randomSpanHead(PLAIN), { span_head: { labels: ['a', 'b', 'c'], type: 'global_pointer' } });
    bare = await fixtureWith([]);
  });

  afterAll(() => [efficient, plain, bare].forEach((s) => s?.model.dispose()));

  it('Efficient GlobalPointer: the same spans and scores as the float64 reference, offsets into the text', async () => {
    const before = tf.memory().numTensors;
    const r = await extractSpans(efficient, { text: TEXT }, quietContext());
    expect(tf.memory().numTensors).toBe(before);
    expect(r.head).toEqual({ kind: 'efficient_global_pointer', labels: ['ui_term', 'file_name'], headSize: 16, qkHeads: 1, labelSource: 'config' });
    expect(r.threshold).toBe(0);
    expect(r.omitted).toBe(0);
    const ref = await referenceScores(efficient, EFFICIENT, efficient.tokenizer.encode(TEXT).ids);
    expectSameSpans(r, ref, 0);
    expect(new Set(r.spans.map((s) => s.label))).toEqual(new Set(['ui_term', 'file_name']));
    // Sorted by start, then longer first.
    for (let n = 1; n < r.spans.length; n++) {
      const [a, b] = [r.spans[n - 1]!, r.spans[n]!];
      expect(a.start < b.start || (a.start === b.start && a.end >= b.end)).toBe(true);
    }
    // The English word keeps its characters: a span ending on "report" ends at its last letter.
    const reportToken = r.tokens.indexOf('report');
    if (reportToken > 0) expect(TEXT.slice(r.offsets[reportToken]![0], r.offsets[reportToken]![1])).toBe('report');
  });

  it('plain GlobalPointer (one q/k head per label): the same spans and scores as the reference', async () => {
    const r = await extractSpans(plain, { text: TEXT }, quietContext());
    expect(r.head).toMatchObject({ kind: 'global_pointer', labels: ['a', 'b', 'c'], headSize: 8, qkHeads: 3 });
    const ref = await referenceScores(plain, PLAIN, plain.tokenizer.encode(TEXT).ids);
    expectSameSpans(r, ref, 0);
  });

  it('a threshold and maxSpans keep the best scores and count the rest', async () => {
    const ids = efficient.tokenizer.encode(TEXT).ids;
    const ref = await referenceScores(efficient, EFFICIENT, ids);
    const high = await extractSpans(efficient, { text: TEXT, threshold: 1.5 }, quietContext());
    expectSameSpans(high, ref, 1.5);
    const all = await extractSpans(efficient, { text: TEXT, threshold: -1000, maxSpans: 7 }, quietContext());
    expect(all.omitted).toBe(ref.length - 7);
    const best = ref.map((s) => s.score).sort((a, b) => b - a).slice(0, 7);
    const got = all.spans.map((s) => s.score).sort((a, b) => b - a);
    got.forEach((s, n) => expect(Math.abs(s - best[n]!)).toBeLessThan(1e-4));
  });

  it('a model without a span head: bad-input naming the missing tensors; the status says so too', async () => {
    await expectTaskError(extractSpans(bare, { text: TEXT }, quietContext()), 'bad-input', /no span head \(span_head\.dense\.weight/);
    const status = spanHeadStatus(bare);
    expect(status.found).toBe(false);
    expect(status.found ? '' : status.message).toMatch(/span_head\.dense\.weight/);
    expect(spanHeadStatus(efficient)).toMatchObject({ found: true, head: { labels: ['ui_term', 'file_name'] } });
  });

  it('text over the model\'s length limit and empty text are refused with a message', async () => {
    await expectTaskError(extractSpans(efficient, { text: '很'.repeat(300) }, quietContext()), 'bad-input', /302 tokens long; this model reads at most 128/);
    await expectTaskError(extractSpans(efficient, { text: '   ' }, quietContext()), 'bad-input', /Type a sentence/);
    await expectTaskError(extractSpans(efficient, { text: TEXT, threshold: Number.NaN }, quietContext()), 'bad-input', /threshold/);
  });

  it('cancellation stops the run', async () => {
    const c = new AbortController();
    c.abort();
    await expectTaskError(extractSpans(efficient, { text: TEXT }, { signal: c.signal, progress: () => undefined }), 'cancelled', /Cancelled/);
  });
});

describe('span head detection', () => {
  const tensors = (spec: HeadSpec) => new Map(randomSpanHead(spec).map((t) => [t.name, t]));

  it('reads the trainer\'s keys, the span_head object, and defaults labels to type_N', () => {
    expect(parseSpanHeadConfig({ span_types: ['ui_term'], span_head_size: 64 })).toEqual({ labels: ['ui_term'], headSize: 64 });
    expect(parseSpanHeadConfig({ span_head: { labels: ['x'], head_size: 32, type: 'EfficientGlobalPointer' }, span_types: ['y'] }))
      .toEqual({ labels: ['x'], headSize: 32, kind: 'efficient_global_pointer' });
    expect(findSpanHead(tensors(EFFICIENT), {}, FIXTURE_HIDDEN)).toEqual({
      kind: 'efficient_global_pointer', labels: ['type_0', 'type_1'], headSize: 16, qkHeads: 1, labelSource: 'default',
    });
    // Plain layout without labels: head size from the config splits the outputs into heads.
    expect(findSpanHead(tensors(PLAIN), { span_head_size: 8 }, FIXTURE_HIDDEN)).toMatchObject({ qkHeads: 3, labels: ['type_0', 'type_1', 'type_2'] });
    expect(findSpanHead(new Map(), {}, FIXTURE_HIDDEN)).toBeNull();
  });

  it('rejects configs and tensors that do not fit, saying what to fix', () => {
    const bad = (fn: () => unknown, message: RegExp) => {
      const err = (() => { try { fn(); return null; } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(TaskError);
      expect((err as TaskError).code).toBe('bad-weights');
      expect((err as TaskError).message).toMatch(message);
    };
    bad(() => findSpanHead(tensors(EFFICIENT), { span_types: ['only_one'] }, FIXTURE_HIDDEN), /names 1 labels .* 2 span types/);
    bad(() => findSpanHead(tensors(EFFICIENT), { span_head_size: 64 }, FIXTURE_HIDDEN), /head_size is 64 but .* gives 16/);
    bad(() => findSpanHead(tensors(EFFICIENT), { span_head: { type: 'crf' } }, FIXTURE_HIDDEN), /use "efficient_global_pointer" or "global_pointer"/);
    bad(() => findSpanHead(tensors(EFFICIENT), {}, 128), /expected \[out, 128\]/);
    bad(() => findSpanHead(tensors(PLAIN), {}, FIXTURE_HIDDEN), /not a multiple of 2 × head size 64/);
    bad(() => findSpanHead(tensors(PLAIN), { span_head: { type: 'efficient_global_pointer' } }, FIXTURE_HIDDEN), /bias_dense\.weight \(the per-type biases\) is missing/);
    const noBias = tensors(EFFICIENT);
    noBias.delete('span_head.dense.bias');
    bad(() => findSpanHead(noBias, {}, FIXTURE_HIDDEN), /has no bias span_head\.dense\.bias/);
  });
});
