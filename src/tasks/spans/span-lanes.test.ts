// Lanes and segments of the span view: no two spans of a lane overlap, every drawn span
// underlines exactly its own characters, and the segments tile the text.
import { describe, expect, it } from 'vitest';
import { createRng } from '../decoding/rng';
import { assignLanes, segmentText, type Extent } from './span-lanes';

describe('assignLanes', () => {
  it('puts enclosing spans above nested ones and reuses lanes after a span ends', () => {
    // "abcdefgh": [0,8) encloses [0,3) and [4,6); [2,5) overlaps both inner ones.
    const spans: Extent[] = [{ start: 0, end: 3 }, { start: 0, end: 8 }, { start: 4, end: 6 }, { start: 2, end: 5 }, { start: 6, end: 8 }];
    expect(assignLanes(spans)).toEqual([1, 0, 1, 2, 1]);
  });

  it('never overlaps two spans of one lane and uses as many lanes as the deepest overlap (random spans)', () => {
    const rng = createRng(5);
    for (let round = 0; round < 50; round++) {
      const spans: Extent[] = Array.from({ length: 1 + Math.floor(rng.next() * 30) }, () => {
        const start = Math.floor(rng.next() * 40);
        return { start, end: start + 1 + Math.floor(rng.next() * 10) };
      });
      const lanes = assignLanes(spans);
      for (let a = 0; a < spans.length; a++) {
        for (let b = a + 1; b < spans.length; b++) {
          const overlap = spans[a]!.start < spans[b]!.end && spans[b]!.start < spans[a]!.end;
          if (overlap) expect(lanes[a]).not.toBe(lanes[b]);
        }
      }
      // Interval graphs: greedy by start is optimal, so lanes = the most spans over one point.
      let depth = 0;
      for (let x = 0; x < 60; x++) depth = Math.max(depth, spans.filter((s) => s.start <= x && x < s.end).length);
      expect(Math.max(...lanes) + 1).toBe(depth);
    }
  });
});

describe('segmentText', () => {
  it('tiles the text and marks each span on exactly its characters', () => {
    const rng = createRng(9);
    const length = 30;
    const spans: Extent[] = Array.from({ length: 12 }, () => {
      const start = Math.floor(rng.next() * 25);
      return { start, end: Math.min(length, start + 1 + Math.floor(rng.next() * 6)) };
    });
    const lanes = assignLanes(spans);
    const laneCount = 2;
    const segs = segmentText(length, spans, lanes, laneCount);
    expect(segs[0]!.start).toBe(0);
    expect(segs[segs.length - 1]!.end).toBe(length);
    for (let k = 1; k < segs.length; k++) expect(segs[k]!.start).toBe(segs[k - 1]!.end);
    spans.forEach((s, i) => {
      for (let x = 0; x < length; x++) {
        const seg = segs.find((g) => g.start <= x && x < g.end)!;
        const marked = lanes[i]! < laneCount && seg.lanes[lanes[i]!] === i;
        expect(marked).toBe(lanes[i]! < laneCount && s.start <= x && x < s.end);
      }
    });
  });
});
