// Every task the compute worker (and the CLI) can run, with its params and result types.
// Tasks are plain async functions of (runtime, params, ctx); the worker and the CLI share them.
import * as tf from '@tensorflow/tfjs';
import { gpuSelfTest, type SelfTestResult } from '../gpu/self-test';
import { fillMask, type FillMaskParams, type FillMaskResult } from './fill-mask';
import { resolveSource, sourceName, type ModelSource } from './model-source';
import { loadSession, type ModelSummary } from './session';
import { stressForwards, type StressParams, type StressResult } from './stress';
import { GENERATE_TASKS, type GenerateTaskMap } from './generate';
import { EXPLAIN_TASKS, type ExplainTaskMap } from './explain';
import { SPAN_TASKS, type SpanTaskMap } from './spans';
import type { BackendReport } from '../gpu/backend-names';
import { needSession, type TaskFn } from './task-types';

export type { Runtime } from './task-types';

export interface EnvInfo {
  backend: BackendReport | null;
  tfjsVersion: string;
  numTensors: number;
  numBytes: number;
  model: ModelSummary | null;
}

export interface CoreTaskMap {
  info: { params: Record<string, never>; result: EnvInfo };
  loadModel: { params: { source: ModelSource }; result: ModelSummary };
  fillMask: { params: FillMaskParams; result: FillMaskResult };
  stress: { params: StressParams; result: StressResult };
  selfTest: { params: Record<string, never>; result: SelfTestResult };
}

export type TaskMap = CoreTaskMap & GenerateTaskMap & ExplainTaskMap & SpanTaskMap;

const CORE_TASKS: { [K in keyof CoreTaskMap]: TaskFn<CoreTaskMap, K> } = {
  async info(rt) {
    const mem = tf.memory();
    return { backend: rt.backend, tfjsVersion: tf.version.tfjs, numTensors: mem.numTensors, numBytes: mem.numBytes, model: rt.session?.summary ?? null };
  },
  async loadModel(rt, { source }, ctx) {
    const files = await resolveSource(source, { cacheName: rt.cacheName });
    const session = await loadSession(sourceName(source), files, (done, total) => ctx.progress(done, total, 'bytes', 'loading weights'), ctx.signal);
    // The previous model stays usable until the new one has loaded without error.
    rt.session?.model.dispose();
    rt.session = session;
    return session.summary;
  },
  fillMask: (rt, params, ctx) => fillMask(needSession(rt), params, ctx),
  stress: (rt, params, ctx) => stressForwards(needSession(rt), params, ctx),
  selfTest: () => gpuSelfTest(),
};

export const TASKS = { ...CORE_TASKS, ...GENERATE_TASKS, ...EXPLAIN_TASKS, ...SPAN_TASKS } as { [K in keyof TaskMap]: TaskFn<TaskMap, K> };
