// Attention masks as plain nested arrays (no tensors): 1 = the query may attend to the key,
// 0 = it may not. `additiveMaskBias` in ./attention turns them into the additive score bias.

export type Mask2D = number[][]; // [batch][key]
export type Mask3D = number[][][]; // [batch][query][key]

function checkRect(name: string, rows: readonly (readonly number[])[], length: number): void {
  rows.forEach((row, b) => {
    if (row.length !== length) {
      throw new RangeError(`${name}[${b}] has length ${row.length}, expected ${length}: pad every row to the same length.`);
    }
  });
}

/**
 * Normalises a padding mask (any truthy value counts as 1) to 0/1 numbers, [batch][key].
 * All rows must have the same length.
 */
export function paddingMask(attentionMask: readonly (readonly number[])[]): Mask2D {
  const length = attentionMask[0]?.length ?? 0;
  checkRect('attentionMask', attentionMask, length);
  return attentionMask.map((row) => row.map((v) => (v ? 1 : 0)));
}

/**
 * UniLM sequence-to-sequence mask. With c = cumsum(typeIds) per row, query q may see key k iff
 * c[k] <= c[q] and k is not padding: segment-0 tokens see each other both ways, segment-1
 * tokens see the source and the target tokens up to themselves. [batch][query][key].
 */
export function unilmMask(
  typeIds: readonly (readonly number[])[],
  attentionMask?: readonly (readonly number[])[],
): Mask3D {
  const length = typeIds[0]?.length ?? 0;
  checkRect('typeIds', typeIds, length);
  if (attentionMask) {
    if (attentionMask.length !== typeIds.length) {
      throw new RangeError(`attentionMask has ${attentionMask.length} rows but typeIds has ${typeIds.length}.`);
    }
    checkRect('attentionMask', attentionMask, length);
  }
  return typeIds.map((types, b) => {
    const c = new Array<number>(length);
    let sum = 0;
    for (let i = 0; i < length; i++) c[i] = sum += types[i]!;
    const keep = attentionMask?.[b];
    const rows: number[][] = [];
    for (let q = 0; q < length; q++) {
      const row = new Array<number>(length);
      for (let k = 0; k < length; k++) row[k] = c[k]! <= c[q]! && (!keep || keep[k]) ? 1 : 0;
      rows.push(row);
    }
    return rows;
  });
}

/** Lower-triangular mask (query q sees keys 0..q), [query][key]; one row per position. */
export function causalMask(length: number): number[][] {
  const rows: number[][] = [];
  for (let q = 0; q < length; q++) {
    const row = new Array<number>(length);
    for (let k = 0; k < length; k++) row[k] = k <= q ? 1 : 0;
    rows.push(row);
  }
  return rows;
}
