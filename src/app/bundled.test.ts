import { describe, expect, it } from 'vitest';
import { pickBundled, requestedModelId, type BundledModel } from './actions';

const entry = (id: string): BundledModel => ({ id, name: `${id} model`, baseUrl: `models/${id}`, files: ['model.bpg'] });
const list = [entry('default'), entry('default-linear'), entry('tiny-fixture')];

describe('bundled model choice', () => {
  it('reads ?model= from the address', () => {
    expect(requestedModelId('?model=tiny-fixture&backend=wasm')).toBe('tiny-fixture');
    expect(requestedModelId('?backend=wasm')).toBeNull();
    expect(requestedModelId('?model=')).toBeNull();
  });

  it('opens the first entry unless another is asked for', () => {
    expect(pickBundled(list, null)).toEqual({ model: list[0], error: null });
    expect(pickBundled(list, 'default-linear')).toEqual({ model: list[1], error: null });
  });

  it('names the bundled models when the asked one does not exist, and opens the default', () => {
    const { model, error } = pickBundled(list, 'bert-large');
    expect(model).toBe(list[0]);
    expect(error).toBe('There is no bundled model "bert-large" (bundled: default, default-linear, tiny-fixture); the default model was opened instead.');
    expect(pickBundled([], 'x')).toEqual({ model: undefined, error: 'There is no bundled model "x" (bundled: none); the default model was opened instead.' });
  });
});
