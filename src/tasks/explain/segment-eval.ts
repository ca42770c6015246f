// Word-boundary precision / recall / F1 of a segmentation against a reference segmentation.
//
// A boundary is a gap between two adjacent tokens of the model's tokenisation (gap k lies
// between tokens k and k + 1). Reference words are mapped onto gaps by their end offsets;
// a reference boundary inside a token (which no token-level segmenter can produce) is not
// counted, nor is the end of the sentence.

export interface BoundaryCounts {
  /** Boundaries the segmenter put, that the reference has, and both. */
  predicted: number;
  gold: number;
  correct: number;
}

export interface BoundaryScore extends BoundaryCounts {
  precision: number;
  recall: number;
  f1: number;
}

/** Gap indices of a segmentation given as token ranges [start, end). */
export function gapsOfSpans(spans: readonly { start: number; end: number }[]): Set<number> {
  return new Set(spans.slice(0, -1).map((s) => s.end - 1));
}

/**
 * Gap indices where reference words (consecutive pieces of `text`, as a segmenter like jieba
 * returns them) end. offsets: the tokens' [from, to) spans in `text`.
 */
export function gapsOfWords(words: readonly string[], offsets: readonly [number, number][], text: string): Set<number> {
  const gaps = new Set<number>();
  let at = 0;
  for (const w of words) {
    const found = text.indexOf(w, at);
    if (found < 0) throw new Error(`The reference word "${w}" is not in the text after offset ${at}.`);
    at = found + w.length;
    // Gap k covers the characters between token k's end and token k + 1's start.
    for (let k = 0; k + 1 < offsets.length; k++) {
      if (offsets[k]![1] <= at && at <= offsets[k + 1]![0]) {
        gaps.add(k);
        break;
      }
    }
  }
  return gaps;
}

/** Every gap a cut: the trivial segmenter that makes each token a word. */
export function allGaps(tokenCount: number): Set<number> {
  return new Set(Array.from({ length: Math.max(tokenCount - 1, 0) }, (_, k) => k));
}

export function countBoundaries(predicted: Set<number>, gold: Set<number>): BoundaryCounts {
  let correct = 0;
  for (const g of predicted) if (gold.has(g)) correct++;
  return { predicted: predicted.size, gold: gold.size, correct };
}

export function addCounts(a: BoundaryCounts, b: BoundaryCounts): BoundaryCounts {
  return { predicted: a.predicted + b.predicted, gold: a.gold + b.gold, correct: a.correct + b.correct };
}

/** Micro-averaged scores; an empty denominator scores 0. */
export function score(c: BoundaryCounts): BoundaryScore {
  const precision = c.predicted ? c.correct / c.predicted : 0;
  const recall = c.gold ? c.correct / c.gold : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { ...c, precision, recall, f1 };
}
