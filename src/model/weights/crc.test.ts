import { describe, expect, it } from 'vitest';
import { crc32, crc32c, maskCrc, unmaskCrc } from './crc';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('crc', () => {
  it('matches the published check values for "123456789"', () => {
    // Check values from the CRC catalogue (CRC-32/ISO-HDLC and CRC-32/ISCSI).
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
  });

  it('matches the RFC 3720 CRC-32C vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(crc32c(ascending)).toBe(0x46dd794e);
  });

  it('continues a checksum across chunks', () => {
    const all = ascii('hello, tensor bundle');
    expect(crc32c(all.subarray(7), crc32c(all.subarray(0, 7)))).toBe(crc32c(all));
    expect(crc32(all.subarray(5), crc32(all.subarray(0, 5)))).toBe(crc32(all));
  });

  it('masks and unmasks', () => {
    for (const c of [0, 1, 0xffffffff, 0xe3069283, 0x12345678]) {
      const m = maskCrc(c);
      expect(m).not.toBe(c);
      expect(unmaskCrc(m)).toBe(c);
    }
  });
});
