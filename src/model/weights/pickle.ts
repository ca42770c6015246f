// A restricted Python pickle interpreter (protocols 2-5) for the opcodes torch.save emits.
// It never imports or calls anything by itself: every GLOBAL goes through `env.findGlobal`,
// which returns an allowed value or throws, and REDUCE may only call a PyCallable the
// environment handed out. Python values map to: None → null, bool → boolean, int → number
// (bigint beyond 2^53), float → number, str → string, bytes → Uint8Array, tuple and list →
// array, dict → Map.
import { WeightFormatError } from './types';

/** A callable the environment allows (e.g. collections.OrderedDict). */
export class PyCallable {
  constructor(
    readonly qualname: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

export interface PickleEnv {
  /** The value of `module.name`; throws a WeightFormatError to refuse it. */
  findGlobal(module: string, name: string): unknown;
  /** Resolves a BINPERSID id (torch: a storage reference). */
  persistentLoad(pid: unknown): unknown;
  /** BUILD: applies pickled state to an object; returns the (possibly new) object. */
  build?(obj: unknown, state: unknown): unknown;
}

// Longest integer (in bytes) a weight file plausibly stores; longer LONG4 values are refused.
const MAX_LONG_BYTES = 64;

function fail(pos: number, message: string): never {
  throw new WeightFormatError(`pickle (byte ${pos}): ${message}`);
}

/** Runs the pickle program in `bytes` and returns the value left by STOP. */
export function unpickle(bytes: Uint8Array, env: PickleEnv): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder();
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  let opPos = 0;

  const need = (n: number): number => {
    if (pos + n > bytes.length) fail(opPos, `needs ${n} more bytes but the pickle ends at byte ${bytes.length}; the file is truncated.`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)]!;
  const u32 = () => view.getUint32(need(4), true);
  const u64 = () => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(bytes.length)) fail(opPos, `declares a length of ${v} bytes in a ${bytes.length}-byte pickle.`);
    return Number(v);
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail(opPos, 'stack underflow; the pickle is corrupt.');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail(opPos, 'stack underflow; the pickle is corrupt.');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = metastack.pop();
    if (!previous) fail(opPos, 'no MARK on the stack; the pickle is corrupt.');
    stack = previous;
    return items;
  };
  const string = (n: number) => text.decode(bytes.subarray(need(n), pos));
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail(opPos, 'unterminated GLOBAL name; the file is truncated.');
    const s = text.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const getMemo = (key: number): unknown => {
    if (!memo.has(key)) fail(opPos, `memo slot ${key} is read before it is written; the pickle is corrupt.`);
    return memo.get(key);
  };
  const long = (n: number): number | bigint => {
    if (n > MAX_LONG_BYTES) fail(opPos, `a ${n}-byte integer is larger than any weight file needs.`);
    const at = need(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
    if (n > 0 && bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!(dict instanceof Map)) fail(opPos, 'SETITEM(S) on something that is not a dict.');
    if (items.length % 2 !== 0) fail(opPos, 'SETITEMS with an odd number of items.');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list)) fail(opPos, 'APPEND(S) on something that is not a list.');
    for (const item of items) list.push(item);
  };

  for (;;) {
    opPos = pos;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const version = u8();
        if (version > 5) fail(opPos, `pickle protocol ${version} is newer than 5.`);
        break;
      }
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: return pop(); // STOP
      case 0x28: metastack.push(stack); stack = []; break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x58: stack.push(string(u32())); break; // BINUNICODE
      case 0x8c: stack.push(string(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(string(u64())); break; // BINUNICODE8
      case 0x42: { const n = u32(); stack.push(bytes.slice(need(n), pos)); break; } // BINBYTES
      case 0x43: { const n = u8(); stack.push(bytes.slice(need(n), pos)); break; } // SHORT_BINBYTES
      case 0x8e: { const n = u64(); stack.push(bytes.slice(need(n), pos)); break; } // BINBYTES8
      case 0x4a: stack.push(view.getInt32(need(4), true)); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(view.getUint16(need(2), true)); break; // BININT2
      case 0x8a: stack.push(long(u8())); break; // LONG1
      case 0x8b: stack.push(long(u32())); break; // LONG4
      case 0x47: stack.push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(getMemo(u8())); break; // BINGET
      case 0x6a: stack.push(getMemo(u32())); break; // LONG_BINGET
      case 0x74: { const items = popMark(); stack.push(items); break; } // TUPLE (popMark swaps `stack`)
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push([pop(), b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); stack.push([pop(), b, c]); break; } // TUPLE3
      case 0x6c: { const items = popMark(); stack.push(items); break; } // LIST
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x63: { const module = line(); stack.push(env.findGlobal(module, line())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail(opPos, 'STACK_GLOBAL needs two strings.');
        stack.push(env.findGlobal(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyCallable)) fail(opPos, 'REDUCE on a value that is not an allowed callable.');
        if (!Array.isArray(args)) fail(opPos, `REDUCE of ${fn.qualname} without an argument tuple.`);
        stack.push(fn.call(args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = pop();
        if (!env.build) fail(opPos, 'BUILD is not allowed here.');
        stack.push(env.build(obj, state));
        break;
      }
      case 0x51: stack.push(env.persistentLoad(pop())); break; // BINPERSID
      default:
        fail(opPos, `opcode 0x${op.toString(16).padStart(2, '0')} is not one a weight file uses; refusing to load.`);
    }
  }
}
