// Explanation tasks (integrated gradients, Perturbed Masking) as seen by the worker and CLI.
import { needSession, type TaskFn } from '../task-types';
import { attribute, type AttributeParams, type AttributeResult } from './ig';
import { impactMatrix, type ImpactMatrixParams, type ImpactMatrixResult } from './impact-matrix';

export type { AttributeParams, AttributeResult, AttributedSequence, IgBaseline, IgRule } from './ig';
export type { IgTarget } from './ig-targets';
export type { ImpactMatrixParams, ImpactMatrixResult } from './impact-matrix';
export type { Segment, TreeNode } from './segmentation';

export interface ExplainTaskMap {
  attribute: { params: AttributeParams; result: AttributeResult };
  impactMatrix: { params: ImpactMatrixParams; result: ImpactMatrixResult };
}

export const EXPLAIN_TASKS: { [K in keyof ExplainTaskMap]: TaskFn<ExplainTaskMap, K> } = {
  attribute: (rt, params, ctx) => attribute(needSession(rt), params, ctx),
  impactMatrix: (rt, params, ctx) => impactMatrix(needSession(rt), params, ctx),
};
