// The JSON-lines formats of the `attribute` and `segment` commands: requests in the reference
// fixture's spelling (snake_case), results as plain JSON.
import { TaskError } from '../../worker/protocol';
import type { AttributeParams, AttributeResult } from './ig';
import type { ImpactMatrixResult } from './impact-matrix';
import type { TreeNode } from './segmentation';

export interface AttributeRequest {
  target?: string;
  /** ["text"], [["a", "b"]] (one pair) or, for similarity / nsp, ["a", "b"]. */
  texts?: (string | string[])[];
  /** One row [L] or rows [[L], …] (two for similarity). */
  input_ids?: number[] | number[][];
  token_type_ids?: number[] | number[][];
  attention_mask?: number[] | number[][];
  mask_position?: number;
  target_id?: number;
  target_token?: string;
  steps?: number;
  rule?: string;
  baseline?: string;
}

function rows(v: unknown, name: string): number[][] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) return [v as number[]];
  if (Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'))) return v as number[][];
  throw new TaskError('bad-input', `"${name}" must be a list of integers or a list of such lists.`);
}

function texts(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new TaskError('bad-input', '"texts" must be a list: ["text"], [["a", "b"]] or ["a", "b"].');
  const flat = v.length === 1 && Array.isArray(v[0]) ? (v[0] as unknown[]) : v;
  if (!flat.every((t) => typeof t === 'string')) throw new TaskError('bad-input', '"texts" must hold strings.');
  return flat as string[];
}

export function attributeParamsFromJson(raw: Record<string, unknown>): AttributeParams {
  const r = raw as AttributeRequest;
  const p: AttributeParams = {
    target: (r.target ?? 'mlm') as AttributeParams['target'],
    texts: texts(r.texts),
    inputIds: rows(r.input_ids, 'input_ids'),
    typeIds: rows(r.token_type_ids, 'token_type_ids'),
    attentionMask: rows(r.attention_mask, 'attention_mask'),
    maskPosition: r.mask_position,
    targetId: r.target_id,
    targetToken: r.target_token,
    steps: r.steps,
    rule: r.rule as AttributeParams['rule'],
    baseline: r.baseline as AttributeParams['baseline'],
  };
  if (!p.texts && !p.inputIds) throw new TaskError('bad-input', 'Each line needs "texts" or "input_ids".');
  return p;
}

/** One sequence: flat lists; two (similarity): lists of two lists. */
export function attributeResultToJson(r: AttributeResult): Record<string, unknown> {
  const one = r.sequences.length === 1;
  const pick = <T>(f: (s: AttributeResult['sequences'][number]) => T) => (one ? f(r.sequences[0]!) : r.sequences.map(f));
  return {
    attributions: pick((s) => s.attributions),
    tokens: pick((s) => s.tokens),
    F_x: r.fX,
    F_baseline: r.fBaseline,
    sum: r.sum,
    completeness_gap: r.completenessGap,
    target: r.target,
    target_label: r.targetLabel,
    target_id: r.targetId,
    mask_position: r.maskPosition,
    steps: r.steps,
    rule: r.rule,
    baseline: r.baseline,
  };
}

/** A tree as nested lists of words: ["我们", ["去", "北京"]]. */
export function treeToNested(node: TreeNode): unknown {
  return node.children.length === 0 ? node.text : node.children.map(treeToNested);
}

export function segmentResultToJson(r: ImpactMatrixResult): Record<string, unknown> {
  return {
    text: r.text,
    words: r.segments.map((s) => s.text),
    spans: r.segments.map((s) => [s.from, s.to]),
    threshold: r.threshold,
    default_threshold: r.defaultThreshold,
    threshold_rule: r.thresholdRule,
    layer: r.layer,
    metric: r.metric,
    tokens: r.tokens,
    adjacent_impacts: r.adjacent,
    tree: r.tree ? treeToNested(r.tree) : null,
  };
}
