// Word segmentation and a binary syntax tree from Perturbed Masking impacts (Su Jianlin's
// recipe), as pure functions on plain arrays: the page re-runs them when the threshold slider
// moves, without a new model run.
//
// Segmentation: adjacent tokens i, i+1 have impact a_i = (f(x_i, x_{i+1}) + f(x_{i+1}, x_i)) / 2;
// they belong to one word when a_i ≥ threshold. WordPiece continuations ("##…") always join.
//
// Default threshold, from the sentence's own impacts (a fixed number would be tied to one
// model's hidden scale): Otsu's split of the adjacent impacts. Sorted ascending, every cut into
// a low and a high group is scored by the between-group variance w_lo·w_hi·(μ_lo − μ_hi)²; the
// threshold is the midpoint between the two values at the best cut, so the high group merges.
// With fewer than two distinct values there is nothing to split: the threshold is that value
// and every pair merges.

export interface Segment {
  /** Token range [start, end) in the token list (without [CLS]/[SEP]). */
  start: number;
  end: number;
  /** UTF-16 range [from, to) in the original text, and that text. */
  from: number;
  to: number;
  text: string;
}

export interface TreeNode {
  /** Word range [start, end) in the segmentation the tree was built on. */
  start: number;
  end: number;
  text: string;
  /** Two children, or none for a single word. */
  children: TreeNode[];
}

export const THRESHOLD_RULE = 'otsu';

/** a_i = mean of the two directed impacts between tokens i and i+1; length n − 1. */
export function adjacentImpacts(matrix: readonly (readonly number[])[]): number[] {
  return matrix.slice(0, -1).map((row, i) => (row[i + 1]! + matrix[i + 1]![i]!) / 2);
}

/** Otsu's threshold of a set of values (see the file comment). */
export function otsuThreshold(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  const total = v.reduce((s, x) => s + x, 0);
  let best = -1;
  let bestCut = -1;
  let lowSum = 0;
  for (let cut = 1; cut < n; cut++) {
    lowSum += v[cut - 1]!;
    if (v[cut] === v[cut - 1]) continue; // not a split between distinct values
    const wLow = cut / n;
    const muLow = lowSum / cut;
    const muHigh = (total - lowSum) / (n - cut);
    const between = wLow * (1 - wLow) * (muLow - muHigh) ** 2;
    if (between > best) {
      best = between;
      bestCut = cut;
    }
  }
  if (bestCut < 0) return v[0]!;
  return (v[bestCut - 1]! + v[bestCut]!) / 2;
}

/** Whether token i+1 continues token i's WordPiece word ("##" prefix); length n − 1. */
export function forcedJoins(tokens: readonly string[]): boolean[] {
  return tokens.slice(1).map((t) => t.startsWith('##') && t.length > 2);
}

/** Token ranges [start, end) of the words at this threshold. */
export function segmentSpans(adjacent: readonly number[], joined: readonly boolean[], threshold: number): [number, number][] {
  const n = adjacent.length + 1;
  const spans: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < n - 1; i++) {
    if (!(joined[i] || adjacent[i]! >= threshold)) {
      spans.push([start, i + 1]);
      start = i + 1;
    }
  }
  spans.push([start, n]);
  return spans;
}

/** Spans with their place and text in the original string; offsets are per token. */
export function spansToSegments(spans: readonly [number, number][], offsets: readonly [number, number][], text: string): Segment[] {
  return spans.map(([start, end]) => {
    const from = offsets[start]![0];
    const to = offsets[end - 1]![1];
    return { start, end, from, to, text: text.slice(from, to) };
  });
}

/** Segments of a sentence at a threshold: what the slider recomputes. */
export function segmentAt(
  r: { adjacent: readonly number[]; joined: readonly boolean[]; offsets: readonly [number, number][]; text: string },
  threshold: number,
): Segment[] {
  return spansToSegments(segmentSpans(r.adjacent, r.joined, threshold), r.offsets, r.text);
}

function blockMean(d: readonly (readonly number[])[], r0: number, r1: number, c0: number, c1: number): number {
  let s = 0;
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += d[r]![c]!;
  return s / ((r1 - r0) * (c1 - c0));
}

/**
 * Su's recursive binary split of a word-distance matrix over words [lo, hi): the split k
 * maximises mean(D[lo:k, lo:k]) + mean(D[k:hi, k:hi]) − mean(D[lo:k, k:hi]) − mean(D[k:hi, lo:k])
 * (the first such k on ties). `textOf(lo, hi)` labels a node with its words' text.
 */
export function splitTree(
  d: readonly (readonly number[])[],
  count: number,
  textOf: (lo: number, hi: number) => string,
  lo = 0,
  hi = count,
): TreeNode {
  const text = textOf(lo, hi);
  if (hi - lo <= 1) return { start: lo, end: hi, text, children: [] };
  let bestK = lo + 1;
  let best = -Infinity;
  for (let k = lo + 1; k < hi; k++) {
    const score = blockMean(d, lo, k, lo, k) + blockMean(d, k, hi, k, hi) - blockMean(d, lo, k, k, hi) - blockMean(d, k, hi, lo, k);
    if (score > best) {
      best = score;
      bestK = k;
    }
  }
  return { start: lo, end: hi, text, children: [splitTree(d, count, textOf, lo, bestK), splitTree(d, count, textOf, bestK, hi)] };
}
