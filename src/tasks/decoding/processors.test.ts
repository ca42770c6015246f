import { describe, expect, it } from 'vitest';
import { bannedNgramTokens, chain, entropy, logSoftmax, minLength, noRepeatNgram, repetitionPenalty, softmax, temperature, topK, topP } from './processors';
import { createRng } from './rng';

const f32 = (xs: number[]) => Float32Array.from(xs);
const kept = (row: Float32Array) => Array.from(row).flatMap((v, i) => (v > -Infinity ? [i] : []));
const logOf = (probs: number[]) => f32(probs.map(Math.log));

describe('topK', () => {
  it('keeps exactly the k highest, equal scores by lower index', () => {
    const row = f32([1, 3, 3, 2, 0.5]);
    expect(kept(topK(1, { consistent: false })(row))).toEqual([1]);
    expect(kept(topK(2, { consistent: false })(row))).toEqual([1, 2]);
    expect(kept(topK(3, { consistent: false })(row))).toEqual([1, 2, 3]);
    expect(kept(topK(2, { consistent: false })(f32([2, 2, 2, 1])))).toEqual([0, 1]);
    // kept values are untouched
    expect(Array.from(topK(2, { consistent: false })(row))).toEqual([-Infinity, 3, 3, -Infinity, -Infinity]);
    expect(topK(9)(row)).toBe(row); // k ≥ V is a no-op
  });

  it('consistent top-k also keeps the end token when it is outside the k', () => {
    const row = f32([1, 3, 3, 2, 0.5]);
    expect(kept(topK(2, { endId: 4 })(row))).toEqual([1, 2, 4]); // consistent is the default
    expect(kept(topK(2, { endId: 4, consistent: false })(row))).toEqual([1, 2]);
    expect(kept(topK(2, { endId: 2 })(row))).toEqual([1, 2]); // already inside: no extra token
    expect(topK(2, { endId: 4 })(row)[4]).toBe(0.5);
    // a banned end token stays banned
    expect(kept(topK(2, { endId: 4 })(f32([1, 3, 3, 2, -Infinity])))).toEqual([1, 2]);
  });
});

describe('topP', () => {
  const row = logOf([0.1, 0.4, 0.3, 0.2]);
  it('keeps the shortest sorted prefix whose mass reaches p, crossing token included', () => {
    expect(kept(topP(0.35, { consistent: false })(row))).toEqual([1]);
    expect(kept(topP(0.5, { consistent: false })(row))).toEqual([1, 2]); // 0.4 < 0.5 ≤ 0.7
    expect(kept(topP(0.75, { consistent: false })(row))).toEqual([1, 2, 3]); // 0.7 < 0.75 ≤ 0.9
    expect(kept(topP(0.95, { consistent: false })(row))).toEqual([0, 1, 2, 3]);
    expect(topP(1)(row)).toBe(row);
  });

  it('breaks ties by index', () => {
    expect(kept(topP(0.3, { consistent: false })(logOf([0.25, 0.25, 0.25, 0.25])))).toEqual([0, 1]);
    expect(kept(topP(0.55, { consistent: false })(logOf([0.1, 0.3, 0.3, 0.3])))).toEqual([1, 2]);
  });

  it('consistent nucleus keeps the end token', () => {
    expect(kept(topP(0.5, { endId: 0 })(row))).toEqual([0, 1, 2]);
    expect(kept(topP(0.5, { endId: 0, consistent: false })(row))).toEqual([1, 2]);
  });

  it('after top-k works on the renormalised distribution', () => {
    const r = logOf([0.5, 0.3, 0.15, 0.05]);
    // On the full distribution 0.5 < 0.6, so the nucleus would be {0, 1}; after top-2 the
    // renormalised mass of token 0 is 0.5 / 0.8 = 0.625 ≥ 0.6.
    expect(kept(topP(0.6, { consistent: false })(r))).toEqual([0, 1]);
    expect(kept(chain(topK(2, { consistent: false }), topP(0.6, { consistent: false }))(r))).toEqual([0]);
    expect(softmax(chain(topK(2, { consistent: false }))(r))[0]).toBeCloseTo(0.625, 6);
  });

  it('matches a full sort on a 21128-token row (the nucleus grows past the first partial selection)', () => {
    const rng = createRng(5);
    const v = 21128;
    const logits = Float32Array.from({ length: v }, () => 3 * rng.next());
    const probs = softmax(logits);
    for (const p of [0.05, 0.5, 0.9]) {
      const order = Array.from({ length: v }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
      let mass = 0;
      let n = 0;
      while (mass < p) mass += probs[order[n++]!]!;
      const expected = order.slice(0, n).sort((a, b) => a - b);
      expect(expected.length).toBeGreaterThan(p === 0.05 ? 64 : 1000);
      expect(kept(topP(p, { consistent: false })(logits))).toEqual(expected);
    }
  });
});

describe('temperature', () => {
  it('divides the logits and moves entropy the right way', () => {
    const row = f32([2, 1, 0.5, -1, 0]);
    expect(Array.from(temperature(2)(row))).toEqual(Array.from(row, (x) => Math.fround(x / 2)));
    const h = entropy(row);
    expect(entropy(temperature(2)(row))).toBeGreaterThan(h);
    expect(entropy(temperature(0.5)(row))).toBeLessThan(h);
    expect(entropy(temperature(100)(row))).toBeCloseTo(Math.log(5), 3);
    expect(temperature(1)(row)).toBe(row);
    expect(() => temperature(0)).toThrow(/positive/);
  });
});

describe('repetitionPenalty', () => {
  it('divides positive and multiplies negative logits of generated tokens, once each', () => {
    const row = f32([2, -1, 0.5, 0, 1]);
    const out = repetitionPenalty(2, [0, 1, 1, 3])(row);
    expect(Array.from(out)).toEqual([1, -2, 0.5, 0, 1]);
    // Probabilities, before and after: Z = Σ exp(logits).
    const z0 = Math.exp(2) + Math.exp(-1) + Math.exp(0.5) + 1 + Math.exp(1);
    const z1 = Math.exp(1) + Math.exp(-2) + Math.exp(0.5) + 1 + Math.exp(1);
    const before = softmax(row);
    const after = softmax(out);
    expect(before[0]).toBeCloseTo(Math.exp(2) / z0, 12);
    expect(after[0]).toBeCloseTo(Math.exp(1) / z1, 12);
    expect(after[1]).toBeCloseTo(Math.exp(-2) / z1, 12);
    expect(after[0]!).toBeLessThan(before[0]!);
    expect(after[1]!).toBeLessThan(before[1]!);
    // token 3 had logit 0, which the penalty leaves at 0; the others gain the freed mass
    expect(after[2]).toBeCloseTo(Math.exp(0.5) / z1, 12);
    expect(after[2]!).toBeGreaterThan(before[2]!);
  });
});

describe('noRepeatNgram', () => {
  it('bans exactly the tokens that complete an n-gram already present', () => {
    expect([...bannedNgramTokens(3, [1, 2, 3, 1, 2])]).toEqual([3]);
    expect([...bannedNgramTokens(2, [1, 2, 1, 3, 1])].sort()).toEqual([2, 3]);
    expect([...bannedNgramTokens(2, [5, 5, 5])]).toEqual([5]);
    expect([...bannedNgramTokens(1, [4, 1, 4, 2])].sort()).toEqual([1, 2, 4]);
    expect([...bannedNgramTokens(3, [1, 2, 3, 4, 2])]).toEqual([]); // prefix (4, 2) never seen
    expect([...bannedNgramTokens(4, [1, 2, 1])]).toEqual([]);
    const out = noRepeatNgram(2, [1, 2, 1, 3, 1])(f32([0, 0, 0, 0, 0]));
    expect(Array.from(out)).toEqual([0, 0, -Infinity, -Infinity, 0]);
  });
});

describe('minLength', () => {
  it('bans the end token until the output is long enough', () => {
    const row = f32([0, 1, 2]);
    expect(Array.from(minLength(3, 2, 2)(row))).toEqual([0, 1, -Infinity]);
    expect(minLength(3, 2, 3)(row)).toBe(row);
  });
});

describe('logSoftmax', () => {
  it('normalises and tolerates banned tokens', () => {
    const lp = logSoftmax([Math.log(2), Math.log(6), -Infinity]);
    expect(Math.exp(lp[0]!)).toBeCloseTo(0.25, 12);
    expect(Math.exp(lp[1]!)).toBeCloseTo(0.75, 12);
    expect(lp[2]).toBe(-Infinity);
  });
});
