// Table-driven CRC-32 checksums: the IEEE polynomial (ZIP entries) and the Castagnoli
// polynomial (CRC-32C, TensorFlow tensor bundles and LevelDB tables, stored "masked").

// Slicing-by-8: table k maps a byte to its CRC contribution k bytes further on, so the
// inner loop consumes 8 bytes per step (several times faster than one table on large tensors).
function makeTables(reversedPoly: number): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = tables[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reversedPoly : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) tables[k]![n] = (tables[k - 1]![n]! >>> 8) ^ t0[tables[k - 1]![n]! & 0xff]!;
  }
  return tables;
}

const IEEE_TABLES = makeTables(0xedb88320);
const CASTAGNOLI_TABLES = makeTables(0x82f63b78);

function crcWith(tables: Uint32Array[], bytes: Uint8Array, seed: number): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~seed >>> 0;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  for (; i < end8; i += 8) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = t7[c & 0xff]! ^ t6[(c >>> 8) & 0xff]! ^ t5[(c >>> 16) & 0xff]! ^ t4[c >>> 24]! ^
      t3[bytes[i + 4]!]! ^ t2[bytes[i + 5]!]! ^ t1[bytes[i + 6]!]! ^ t0[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) c = t0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 (IEEE 802.3) as stored in ZIP headers. `seed` continues a previous checksum. */
export function crc32(bytes: Uint8Array, seed = 0): number {
  return crcWith(IEEE_TABLES, bytes, seed);
}

/** CRC-32C (Castagnoli). `seed` continues a previous checksum over earlier bytes. */
export function crc32c(bytes: Uint8Array, seed = 0): number {
  return crcWith(CASTAGNOLI_TABLES, bytes, seed);
}

// LevelDB/TensorFlow store CRCs "masked" so that a CRC of data that itself holds CRCs stays
// well distributed: rotate right by 15 bits and add a constant (mod 2^32).
const MASK_DELTA = 0xa282ead8;

export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
