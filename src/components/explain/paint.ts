// Splits the user's original text into pieces covered by tokens, so that attributions can be
// painted over exactly what was typed (tokenizer offsets are UTF-16 spans of the original).

export interface PaintPiece {
  text: string;
  /** Index of the covering token in the sequence, or null for text no token covers (spaces). */
  token: number | null;
}

export type PaintRun = { kind: 'text'; segment: 0 | 1; pieces: PaintPiece[] } | { kind: 'special'; token: number };

/** Pieces of `text` in order; `tokens` lists [index, [from, to)] of the tokens covering it. */
export function paintPieces(text: string, tokens: readonly [number, [number, number]][]): PaintPiece[] {
  const pieces: PaintPiece[] = [];
  let at = 0;
  for (const [index, [from, to]] of [...tokens].sort((a, b) => a[1][0] - b[1][0])) {
    if (from > at) pieces.push({ text: text.slice(at, from), token: null });
    if (to > Math.max(from, at)) pieces.push({ text: text.slice(Math.max(from, at), to), token: index });
    at = Math.max(at, to);
  }
  if (at < text.length) pieces.push({ text: text.slice(at), token: null });
  return pieces;
}

/**
 * A sequence as runs: each segment's text with its tokens painted over it, and the tokens the
 * tokenizer added ([CLS], [SEP]) or that have no text (explicit ids) as separate chips.
 */
export function paintRuns(seq: { texts: readonly string[]; offsets: readonly ([number, number] | null)[]; segments: readonly (0 | 1 | null)[] }): PaintRun[] {
  const runs: PaintRun[] = [];
  let current: { segment: 0 | 1; tokens: [number, [number, number]][] } | null = null;
  const flush = () => {
    if (current) runs.push({ kind: 'text', segment: current.segment, pieces: paintPieces(seq.texts[current.segment] ?? '', current.tokens) });
    current = null;
  };
  seq.offsets.forEach((offset, t) => {
    const segment = seq.segments[t];
    if (offset === null || segment === null || segment === undefined || seq.texts[segment] === undefined) {
      flush();
      runs.push({ kind: 'special', token: t });
      return;
    }
    if (current && current.segment !== segment) flush();
    current ??= { segment, tokens: [] };
    current.tokens.push([t, offset]);
  });
  flush();
  return runs;
}
