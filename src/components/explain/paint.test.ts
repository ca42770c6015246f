import { describe, expect, it } from 'vitest';
import { divergingColor, fmt, sequentialColor } from './colors';
import { paintPieces, paintRuns } from './paint';

describe('painting attributions over the original text', () => {
  it('covers every character once, keeping spaces and accents as typed', () => {
    const text = 'Héllo,  世界!';
    const pieces = paintPieces(text, [[1, [0, 5]], [2, [5, 6]], [3, [8, 9]], [4, [9, 10]], [5, [10, 11]]]);
    expect(pieces.map((p) => p.text).join('')).toBe(text);
    expect(pieces).toEqual([
      { text: 'Héllo', token: 1 },
      { text: ',', token: 2 },
      { text: '  ', token: null },
      { text: '世', token: 3 },
      { text: '界', token: 4 },
      { text: '!', token: 5 },
    ]);
  });

  it('splits a pair into its two texts with [CLS]/[SEP] as chips', () => {
    const runs = paintRuns({
      texts: ['今天', '下雨'],
      offsets: [null, [0, 1], [1, 2], null, [0, 1], [1, 2], null],
      segments: [null, 0, 0, null, 1, 1, null],
    });
    expect(runs.map((r) => (r.kind === 'special' ? r.token : `${r.segment}:${r.pieces.map((p) => p.text).join('|')}`))).toEqual([0, '0:今|天', 3, '1:下|雨', 6]);
  });

  it('colours signs apart and saturates at the maximum', () => {
    expect(divergingColor(0, 1).background).toBe('rgb(255, 255, 255)');
    expect(divergingColor(2, 1).background).toBe('rgb(202, 42, 42)');
    expect(divergingColor(-1, 1).background).toBe('rgb(37, 99, 196)');
    expect(sequentialColor(0, 0, 1)).toBe('rgb(255, 255, 255)');
    expect(sequentialColor(1, 0, 1)).toBe('rgb(29, 36, 48)');
    expect([fmt(-0.000187), fmt(12.5072), fmt(0.5)]).toEqual(['-1.87e-4', '12.51', '0.5']);
  });
});
