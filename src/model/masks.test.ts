import { describe, expect, it } from 'vitest';
import { causalMask, paddingMask, unilmMask } from './masks';
import { loadReference } from './bert.test-helpers';

describe('masks', () => {
  it('unilmMask reproduces the reference 3-D masks, padding included', () => {
    const ref = loadReference();
    expect(ref.unilm_cases.length).toBeGreaterThan(0);
    for (const c of ref.unilm_cases) {
      expect(unilmMask(c.inputs.token_type_ids, c.inputs.attention_mask), c.id).toEqual(c.inputs.attention_mask_3d);
    }
  });

  it('unilmMask: source both ways, target causal, padding hidden', () => {
    // [CLS] a [SEP] x [SEP] pad
    expect(unilmMask([[0, 0, 0, 1, 1, 0]], [[1, 1, 1, 1, 1, 0]])).toEqual([
      [
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1, 0],
      ],
    ]);
    expect(() => unilmMask([[0, 1], [0]])).toThrow(/typeIds\[1\] has length 1, expected 2/);
  });

  it('causalMask and paddingMask', () => {
    expect(causalMask(3)).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [1, 1, 1],
    ]);
    expect(paddingMask([[1, 1, 0], [5, 0, 0]])).toEqual([[1, 1, 0], [1, 0, 0]]);
  });
});
