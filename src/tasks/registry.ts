// Every task the compute worker (and the CLI) can run, with its params and result types.
// Tasks are plain async functions of (runtime, params, ctx); the worker and the CLI share them.
import * as tf from '@tensorflow/tfjs';
import type { BackendReport } from '../gpu/backend';
import { gpuSelfTest, type SelfTestResult } from '../gpu/self-test';
import { TaskError } from '../worker/protocol';
import type { TaskContext } from './context';
import { fillMask, type FillMaskParams, type FillMaskResult } from './fill-mask';
import { resolveSource, sourceName, type ModelSource } from './model-source';
import { loadSession, type ModelSummary, type Session } from './session';
import { stressForwards, type StressParams, type StressResult } from './stress';

export interface Runtime {
  session: Session | null;
  backend: BackendReport | null;
  /** Cache Storage name for downloaded weights (browser only). */
  cacheName?: string;
}

export interface EnvInfo {
  backend: BackendReport | null;
  tfjsVersion: string;
  numTensors: number;
  numBytes: number;
  model: ModelSummary | null;
}

export interface TaskMap {
  info: { params: Record<string, never>; result: EnvInfo };
  loadModel: { params: { source: ModelSource }; result: ModelSummary };
  fillMask: { params: FillMaskParams; result: FillMaskResult };
  stress: { params: StressParams; result: StressResult };
  selfTest: { params: Record<string, never>; result: SelfTestResult };
}

type TaskFn<K extends keyof TaskMap> = (rt: Runtime, params: TaskMap[K]['params'], ctx: TaskContext) => Promise<TaskMap[K]['result']>;

function needSession(rt: Runtime): Session {
  if (!rt.session) throw new TaskError('no-model', 'No model is loaded yet: load one in the Model panel first.');
  return rt.session;
}

export const TASKS: { [K in keyof TaskMap]: TaskFn<K> } = {
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
