// Small Snappy encoders for tests: literal-only, and a naive greedy matcher that emits
// copy-2 elements, so readers can be checked against real compressed blocks.
import { pushVarint } from './protobuf';

function pushLiteral(out: number[], bytes: Uint8Array): void {
  for (let start = 0; start < bytes.length; start += 65536) {
    const chunk = bytes.subarray(start, start + 65536);
    const n = chunk.length - 1;
    if (n < 60) out.push(n << 2);
    else if (n < 256) out.push(60 << 2, n);
    else out.push(61 << 2, n & 0xff, n >> 8);
    out.push(...chunk);
  }
}

export function snappyLiteralOnly(raw: Uint8Array): Uint8Array {
  const out: number[] = [];
  pushVarint(out, raw.length);
  pushLiteral(out, raw);
  return Uint8Array.from(out);
}

/** Greedy LZ77 over a 1 KiB window; matches of 4..64 bytes become copy-2 elements. */
export function snappyWithCopies(raw: Uint8Array): Uint8Array {
  const out: number[] = [];
  pushVarint(out, raw.length);
  let literalStart = 0;
  let i = 0;
  while (i < raw.length) {
    let bestLen = 0;
    let bestOffset = 0;
    for (let j = Math.max(0, i - 1024); j < i; j++) {
      let len = 0;
      while (len < 64 && i + len < raw.length && raw[j + len] === raw[i + len]) len++;
      if (len > bestLen) { bestLen = len; bestOffset = i - j; }
    }
    if (bestLen >= 4) {
      if (literalStart < i) pushLiteral(out, raw.subarray(literalStart, i));
      out.push(2 | ((bestLen - 1) << 2), bestOffset & 0xff, bestOffset >> 8);
      i += bestLen;
      literalStart = i;
    } else {
      i++;
    }
  }
  if (literalStart < raw.length) pushLiteral(out, raw.subarray(literalStart));
  return Uint8Array.from(out);
}
