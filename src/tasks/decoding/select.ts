// Partial selection: the k best entries among many scores without sorting all of them.
// Beam search over rows × V (V = 21128 for Chinese BERT) and top-k sampling need only a few
// winners, so a bounded heap (O(N log k), mostly one comparison per entry) replaces a sort.

/**
 * Keeps the `capacity` best (score, key) pairs seen. "Better" is a higher score; equal scores
 * prefer the lower key, so results never depend on the order of insertion.
 * Stored as a min-heap on that order: the root is the worst kept pair.
 */
export class TopKHeap {
  private readonly scores: Float64Array;
  private readonly keys: Float64Array;
  size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`TopKHeap capacity must be a positive integer (got ${capacity}).`);
    this.scores = new Float64Array(capacity);
    this.keys = new Float64Array(capacity);
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  /** The worst kept score; -Infinity while the heap is not full (anything gets in). */
  get threshold(): number {
    return this.full ? this.scores[0]! : -Infinity;
  }

  /** Offers a pair; returns whether it was kept. NaN scores are ignored. */
  push(score: number, key: number): boolean {
    if (Number.isNaN(score)) return false;
    if (this.size < this.capacity) {
      this.scores[this.size] = score;
      this.keys[this.size] = key;
      this.siftUp(this.size++);
      return true;
    }
    const rootScore = this.scores[0]!;
    if (score < rootScore || (score === rootScore && key >= this.keys[0]!)) return false;
    this.scores[0] = score;
    this.keys[0] = key;
    this.siftDown(0);
    return true;
  }

  /** The kept pairs, best first. */
  sorted(): { score: number; key: number }[] {
    const out: { score: number; key: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ score: this.scores[i]!, key: this.keys[i]! });
    return out.sort((x, y) => y.score - x.score || x.key - y.key);
  }

  /** Is slot i worse than slot j? */
  private worse(i: number, j: number): boolean {
    const si = this.scores[i]!;
    const sj = this.scores[j]!;
    return si < sj || (si === sj && this.keys[i]! > this.keys[j]!);
  }

  private swap(i: number, j: number): void {
    const s = this.scores[i]!;
    this.scores[i] = this.scores[j]!;
    this.scores[j] = s;
    const k = this.keys[i]!;
    this.keys[i] = this.keys[j]!;
    this.keys[j] = k;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < this.size && this.worse(l, worst)) worst = l;
      if (r < this.size && this.worse(r, worst)) worst = r;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }
}

/**
 * Indices of the k largest finite entries of `row`, best first; equal values go to the lower
 * index. Fewer than k when the row has fewer finite entries.
 */
export function topIndices(row: ArrayLike<number>, k: number): number[] {
  const heap = new TopKHeap(Math.max(1, Math.min(k, row.length)));
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (!(v > -Infinity)) continue; // -Infinity (banned) and NaN never count
    // Indices arrive in increasing order, so an equal score never beats a kept one.
    if (heap.full && v <= heap.threshold) continue;
    heap.push(v, i);
  }
  return heap.sorted().map((e) => e.key);
}

/** Index of the largest finite entry (equal values: the lower index); -1 if every entry is banned. */
export function argmaxRow(row: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < row.length; i++) {
    if (row[i]! > bestValue) {
      bestValue = row[i]!;
      best = i;
    }
  }
  return best;
}
