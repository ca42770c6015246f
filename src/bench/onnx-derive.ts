// Derives, from the Hugging Face ONNX export of BERT (inputs input_ids, attention_mask [B, L],
// token_type_ids; output logits [B, L, V]), the graphs the end-to-end workloads need. The
// weights and every other operator stay as exported:
//   - queryKeyMask: attention_mask becomes [B, L, L] (query × key, the UniLM mask). The export
//     turns a [B, L] mask into [B, 1, 1, L] with two Unsqueeze nodes; the second becomes an
//     Identity, which gives [B, 1, L, L];
//   - logits 'last-position': the MLM head reads only the last position (Gather on axis 1,
//     index −1), logits [B, V], as bert4keras reads position −1; 'none' drops the head;
//   - hidden: the encoder output is added as the output `last_hidden` [B, L, H].
// Nodes and initializers no output needs any more are removed. Only the protobuf fields we
// touch are decoded; every other byte is copied as it is.
export class OnnxSurgeryError extends Error {
  constructor(message: string) {
    super(`The ONNX model does not have the expected BERT export structure: ${message}. Export it with transformers' BertForMaskedLM/BertForPreTraining and torch.onnx.export.`);
    this.name = 'OnnxSurgeryError';
  }
}

type Field = { no: number; wire: number; start: number; end: number; value: bigint | Uint8Array };

function readVarint(b: Uint8Array, at: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (at >= b.length) throw new OnnxSurgeryError('a varint runs past the end of the file');
    const x = b[at++]!;
    v |= BigInt(x & 0x7f) << shift;
    shift += 7n;
    if (!(x & 0x80)) return [v, at];
  }
}

/** Top-level fields of one message: number, wire type, raw byte range, and value. */
function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < b.length) {
    const start = at;
    const [tag, next] = readVarint(b, at);
    at = next;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    let value: bigint | Uint8Array;
    if (wire === 0) [value, at] = readVarint(b, at);
    else if (wire === 2) {
      const [len, p] = readVarint(b, at);
      value = b.subarray(p, p + Number(len));
      at = p + Number(len);
    } else if (wire === 1) (value = 0n), (at += 8);
    else if (wire === 5) (value = 0n), (at += 4);
    else throw new OnnxSurgeryError(`unsupported protobuf wire type ${wire}`);
    out.push({ no, wire, start, end: at, value });
  }
  return out;
}

function varint(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    const byte = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x ? byte | 0x80 : byte);
  } while (x);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytesField = (no: number, data: Uint8Array) => concat([new Uint8Array([...varint(BigInt((no << 3) | 2)), ...varint(BigInt(data.length))]), data]);
const stringField = (no: number, s: string) => bytesField(no, enc.encode(s));
const intField = (no: number, v: bigint) => new Uint8Array([...varint(BigInt(no << 3)), ...varint(v)]);
const str = (f: Field) => dec.decode(f.value as Uint8Array);
const nameOf = (message: Uint8Array, no: number) => str(fields(message).find((x) => x.no === no) ?? ({ value: new Uint8Array() } as Field));

interface NodeInfo {
  raw: Uint8Array;
  inputs: string[];
  outputs: string[];
  opType: string;
}

function parseNode(raw: Uint8Array): NodeInfo {
  const fs = fields(raw);
  return {
    raw,
    inputs: fs.filter((f) => f.no === 1).map(str),
    outputs: fs.filter((f) => f.no === 2).map(str),
    opType: nameOf(raw, 4),
  };
}

/** The same node with its inputs replaced (and optionally its op type). */
function rewriteNode(node: NodeInfo, inputs: string[], opType = node.opType): Uint8Array {
  const kept = fields(node.raw).filter((f) => f.no !== 1 && f.no !== 4 && f.no !== 5);
  const attributes = opType === node.opType ? fields(node.raw).filter((f) => f.no === 5) : []; // Identity has none
  return concat([
    ...inputs.map((i) => stringField(1, i)),
    ...kept.map((f) => node.raw.subarray(f.start, f.end)),
    stringField(4, opType),
    ...attributes.map((f) => node.raw.subarray(f.start, f.end)),
  ]);
}

const FLOAT = 1n;
const INT64 = 7n;

/** ValueInfoProto of a tensor with symbolic dims (names) or none. */
function valueInfo(name: string, elemType: bigint, dims: string[] | null): Uint8Array {
  const shape = dims ? [bytesField(2, concat(dims.map((d) => bytesField(1, stringField(2, d)))))] : [];
  const tensorType = concat([intField(1, elemType), ...shape]);
  return concat([stringField(1, name), bytesField(2, bytesField(1, tensorType))]);
}

export interface DeriveOptions {
  /** Take attention_mask as [B, L, L] (query × key) instead of [B, L]. */
  queryKeyMask: boolean;
  /** MLM logits at every position (as exported), at the last position only, or none. */
  logits: 'all' | 'last-position' | 'none';
  /** Add the encoder output as `last_hidden` [B, L, H]. */
  hidden: boolean;
}

const LAST_INDEX = 'derived/last_position';

function makeNode(inputs: string[], outputs: string[], name: string, opType: string, attributes: Uint8Array[] = []): NodeInfo {
  const raw = concat([...inputs.map((i) => stringField(1, i)), ...outputs.map((o) => stringField(2, o)), stringField(3, name), stringField(4, opType), ...attributes.map((a) => bytesField(5, a))]);
  return { raw, inputs, outputs, opType };
}

/** Nodes (in order) that some output depends on. */
function needed(nodes: NodeInfo[], outputs: string[]): NodeInfo[] {
  const want = new Set(outputs);
  const keep = new Set<NodeInfo>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.outputs.some((o) => want.has(o))) {
      keep.add(n);
      for (const inp of n.inputs) want.add(inp);
    }
  }
  return nodes.filter((n) => keep.has(n));
}

export function deriveBertGraph(model: Uint8Array, opts: DeriveOptions): Uint8Array {
  const top = fields(model);
  const graphField = top.find((f) => f.no === 7);
  if (!graphField) throw new OnnxSurgeryError('there is no graph');
  const graph = graphField.value as Uint8Array;
  const gf = fields(graph);
  let nodes = gf.filter((f) => f.no === 1).map((f) => parseNode(f.value as Uint8Array));
  const exported = gf.filter((f) => f.no === 12).map((f) => nameOf(f.value as Uint8Array, 1));
  if (!exported.includes('logits')) throw new OnnxSurgeryError('there is no "logits" output');

  if (opts.queryKeyMask) {
    const first = nodes.find((n) => n.opType === 'Unsqueeze' && n.inputs[0] === 'attention_mask');
    const second = first && nodes.find((n) => n.opType === 'Unsqueeze' && n.inputs[0] === first.outputs[0]);
    if (!second) throw new OnnxSurgeryError('attention_mask does not go through two Unsqueeze nodes');
    nodes = nodes.map((n) => (n === second ? { ...parseNode(rewriteNode(n, [n.inputs[0]!], 'Identity')) } : n));
  }
  const headIn = nodes.find((n) => n.opType === 'MatMul' && n.outputs[0]?.includes('cls/predictions/transform/dense'));
  if (!headIn) throw new OnnxSurgeryError('no MLM head (cls/predictions/transform/dense MatMul)');
  const hidden = headIn.inputs[0]!; // [B, L, H], the last encoder layer's output
  let addIndex = false;
  if (opts.logits === 'last-position') {
    const gathered = `${hidden}/last_position`;
    const axis = concat([stringField(1, 'axis'), intField(20, 2n) /* INT */, intField(3, 1n)]);
    const gather = makeNode([hidden, LAST_INDEX], [gathered], 'derived/GatherLastPosition', 'Gather', [axis]);
    nodes = nodes.flatMap((n) => (n === headIn ? [gather, parseNode(rewriteNode(n, [gathered, ...n.inputs.slice(1)]))] : [n]));
    addIndex = true;
  }
  const outputs = [...(opts.logits === 'none' ? [] : ['logits']), ...(opts.hidden ? ['last_hidden'] : [])];
  if (outputs.length === 0) throw new OnnxSurgeryError('the derived graph would have no output');
  if (opts.hidden) nodes.push(makeNode([hidden], ['last_hidden'], 'derived/LastHidden', 'Identity'));
  nodes = needed(nodes, outputs);
  const used = new Set(nodes.flatMap((n) => n.inputs));

  const parts: Uint8Array[] = [];
  let nodesWritten = false;
  for (const f of gf) {
    const raw = graph.subarray(f.start, f.end);
    const message = f.value as Uint8Array;
    if (f.no === 1) {
      if (!nodesWritten) parts.push(...nodes.map((n) => bytesField(1, n.raw)));
      nodesWritten = true;
    } else if (f.no === 5) {
      if (used.has(nameOf(message, 8))) parts.push(raw); // TensorProto name
    } else if (f.no === 11 && opts.queryKeyMask && nameOf(message, 1) === 'attention_mask') {
      parts.push(bytesField(11, valueInfo('attention_mask', INT64, ['batch', 'sequence', 'sequence'])));
    } else if (f.no !== 12) {
      parts.push(raw);
    }
  }
  // A scalar int64 initializer −1 (TensorProto: data_type 7, int64_data −1, name).
  if (addIndex) parts.push(bytesField(5, concat([intField(2, INT64), bytesField(7, new Uint8Array(varint(-1n))), stringField(8, LAST_INDEX)])));
  // Declared by type only: the exported [B, L, V] no longer holds for last-position logits.
  for (const name of outputs) parts.push(bytesField(12, valueInfo(name, FLOAT, name === 'logits' && opts.logits === 'all' ? ['batch', 'sequence', 'vocab'] : null)));
  const out = top.map((f) => (f.no === 7 ? bytesField(7, concat(parts)) : model.subarray(f.start, f.end)));
  return concat(out);
}
