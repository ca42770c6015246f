// Plain-data layout of possibly nested or overlapping spans under a text: each span gets a lane
// (a row of underlines) where it overlaps no other span of that lane, and the text is cut into
// segments at every span edge so each segment knows which span, if any, underlines it per lane.

export interface Extent {
  /** [start, end) UTF-16 offsets in the text. */
  start: number;
  end: number;
}

/**
 * Lane of every span (by input index): spans sorted by start, longer first, each placed in the
 * first lane whose spans all end at or before its start. Enclosing spans land above nested ones.
 */
export function assignLanes(spans: readonly Extent[]): number[] {
  const order = spans.map((_, i) => i).sort((a, b) => spans[a]!.start - spans[b]!.start || spans[b]!.end - spans[a]!.end || a - b);
  const laneEnds: number[] = [];
  const lanes = new Array<number>(spans.length).fill(0);
  for (const i of order) {
    const s = spans[i]!;
    let lane = laneEnds.findIndex((end) => end <= s.start);
    if (lane < 0) lane = laneEnds.push(s.end) - 1;
    else laneEnds[lane] = s.end;
    lanes[i] = lane;
  }
  return lanes;
}

export interface TextSegment extends Extent {
  /** Per lane (0 … laneCount − 1), the index of the span underlining this segment, or −1. */
  lanes: number[];
}

/**
 * Cuts [0, length) at every edge of the spans drawn (lane < laneCount) and lists, per segment,
 * the span of each lane that covers it.
 */
export function segmentText(length: number, spans: readonly Extent[], lanes: readonly number[], laneCount: number): TextSegment[] {
  const edges = new Set<number>([0, length]);
  spans.forEach((s, i) => {
    if (lanes[i]! < laneCount) {
      edges.add(Math.max(0, Math.min(s.start, length)));
      edges.add(Math.max(0, Math.min(s.end, length)));
    }
  });
  const cuts = [...edges].sort((a, b) => a - b);
  const segments: TextSegment[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) segments.push({ start: cuts[k]!, end: cuts[k + 1]!, lanes: new Array<number>(laneCount).fill(-1) });
  spans.forEach((s, i) => {
    const lane = lanes[i]!;
    if (lane >= laneCount) return;
    // First segment starting at the span's start (binary search over the sorted cuts).
    let lo = 0;
    let hi = segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid]!.start < s.start) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < segments.length && segments[k]!.end <= s.end; k++) segments[k]!.lanes[lane] = i;
  });
  return segments;
}
