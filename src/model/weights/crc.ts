// Table-driven CRC-32 checksums: the IEEE polynomial (ZIP entries) and the Castagnoli
// polynomial (CRC-32C, TensorFlow tensor bundles and LevelDB tables, stored "masked").

function makeTable(reversedPoly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reversedPoly : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const IEEE_TABLE = makeTable(0xedb88320);
const CASTAGNOLI_TABLE = makeTable(0x82f63b78);

function crcWith(table: Uint32Array, bytes: Uint8Array, seed: number): number {
  let c = ~seed >>> 0;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 (IEEE 802.3) as stored in ZIP headers. `seed` continues a previous checksum. */
export function crc32(bytes: Uint8Array, seed = 0): number {
  return crcWith(IEEE_TABLE, bytes, seed);
}

/** CRC-32C (Castagnoli). `seed` continues a previous checksum over earlier bytes. */
export function crc32c(bytes: Uint8Array, seed = 0): number {
  return crcWith(CASTAGNOLI_TABLE, bytes, seed);
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
