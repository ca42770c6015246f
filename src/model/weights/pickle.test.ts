import { describe, expect, it } from 'vitest';
import { PyCallable, unpickle, type PickleEnv } from './pickle';
import { WeightFormatError } from './types';

// CPython 3.11 `pickle.dumps(o, protocol=N)` of
//   o = {'ints': [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31, 2**40, -2**70],
//        'misc': [1.5, -0.1, True, False, None, 'ü中'], 'b': (1,), 'c': (1, 2), 'd': (1, 2, 3),
//        'e': (1, 2, 3, 4), 'f': {}, 'g': [], 'shared': [o['b'], o['b']]}
// with, for protocols 4 and 5, o['bytes'] = b'\x00\x01\xff' added.
const PROTOCOL_2 =
  '80027d7100285804000000696e747371015d7102284b004b014affffffff4bff4d00014dffff4a000001004a000000808a0500000080008a060000000000018a090000000000000000c06558040000006d69736371035d710428473ff800000000000047bfb999999999999a88894e5805000000c3bce4b8ad71056558010000006271064b0185710758010000006371084b014b02867109580100000064710a4b014b024b0387710b580100000065710c284b014b024b034b0474710d580100000066710e7d710f58010000006771105d7111580600000073686172656471125d7113286807680765752e';
const PROTOCOL_4 =
  '800495c5000000000000007d94288c04696e7473945d94284b004b014affffffff4bff4d00014dffff4a000001004a000000808a0500000080008a060000000000018a090000000000000000c0658c046d697363945d9428473ff800000000000047bfb999999999999a88894e8c05c3bce4b8ad94658c0162944b0185948c0163944b014b0286948c0164944b014b024b0387948c016594284b014b024b034b0474948c0166947d948c0167945d948c06736861726564945d942868076807658c0562797465739443030001ff94752e';
const PROTOCOL_5 = `8005${PROTOCOL_4.slice(4)}`;

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));

const refuseAll: PickleEnv = {
  findGlobal(module, name) { throw new WeightFormatError(`refused ${module}.${name}`); },
  persistentLoad() { throw new WeightFormatError('no persistent ids'); },
};

function checkValue(v: unknown, withBytes: boolean): void {
  expect(v).toBeInstanceOf(Map);
  const m = v as Map<string, unknown>;
  expect(m.get('ints')).toEqual([0, 1, -1, 255, 256, 65535, 65536, -(2 ** 31), 2 ** 31, 2 ** 40, -(2n ** 70n)]);
  expect(m.get('misc')).toEqual([1.5, -0.1, true, false, null, 'ü中']);
  expect([m.get('b'), m.get('c'), m.get('d'), m.get('e')]).toEqual([[1], [1, 2], [1, 2, 3], [1, 2, 3, 4]]);
  expect(m.get('f')).toEqual(new Map());
  expect(m.get('g')).toEqual([]);
  const shared = m.get('shared') as unknown[];
  expect(shared[0]).toBe(m.get('b')); // memo references keep identity
  expect(shared[1]).toBe(m.get('b'));
  if (withBytes) expect(Array.from(m.get('bytes') as Uint8Array)).toEqual([0, 1, 255]);
  expect([...m.keys()]).toEqual(['ints', 'misc', 'b', 'c', 'd', 'e', 'f', 'g', 'shared', ...(withBytes ? ['bytes'] : [])]);
}

describe('restricted unpickler', () => {
  it('decodes CPython pickles of protocols 2, 4 and 5', () => {
    checkValue(unpickle(hex(PROTOCOL_2), refuseAll), false);
    checkValue(unpickle(hex(PROTOCOL_4), refuseAll), true);
    checkValue(unpickle(hex(PROTOCOL_5), refuseAll), true);
  });

  it('calls only callables the environment hands out', () => {
    const env: PickleEnv = {
      ...refuseAll,
      findGlobal: (module, name) => new PyCallable(`${module}.${name}`, (args) => ({ called: `${module}.${name}`, args })),
    };
    // GLOBAL 'm f', (7,), REDUCE, STOP
    const call = Uint8Array.from([0x80, 2, 0x63, ...new TextEncoder().encode('m\nf\n'), 0x4b, 7, 0x85, 0x52, 0x2e]);
    expect(unpickle(call, env)).toEqual({ called: 'm.f', args: [7] });
    expect(() => unpickle(call, refuseAll)).toThrow(/refused m\.f/);
    // REDUCE on a plain value: 1, (), REDUCE
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x4b, 1, 0x29, 0x52, 0x2e]), refuseAll)).toThrow(/not an allowed callable/);
  });

  it('rejects malformed programs with the byte position', () => {
    expect(() => unpickle(hex(PROTOCOL_2).subarray(0, 40), refuseAll)).toThrow(/truncated/);
    expect(() => unpickle(Uint8Array.from([0x80, 9]), refuseAll)).toThrow(/protocol 9/);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x2e]), refuseAll)).toThrow(/byte 2\): stack underflow/);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x4b, 1, 0x73, 0x2e]), refuseAll)).toThrow(WeightFormatError);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x8b, 0xff, 0xff, 0, 0]), refuseAll)).toThrow(/larger than any weight file/);
    expect(() => unpickle(Uint8Array.from([0x80, 2, 0x62, 0x2e]), refuseAll)).toThrow(WeightFormatError);
  });
});
