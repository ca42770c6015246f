// Runs one worker task from a component: result, error, progress and a cancel function.
import { useCallback, useRef, useState } from 'react';
import type { TaskName, TaskParams, TaskResult } from '../worker/protocol';
import { WorkerTaskError } from '../worker/client';
import { compute } from './actions';
import type { Progress } from '../store/store';

export interface JobState<T extends TaskName> {
  running: boolean;
  result: TaskResult<T> | null;
  error: string | null;
  cancelled: boolean;
  progress: Progress | null;
  partial: unknown;
}

export function useJob<T extends TaskName>(task: T) {
  const [state, setState] = useState<JobState<T>>({ running: false, result: null, error: null, cancelled: false, progress: null, partial: null });
  const controller = useRef<AbortController | null>(null);

  const start = useCallback(
    async (params: TaskParams<T>) => {
      controller.current?.abort();
      const c = new AbortController();
      controller.current = c;
      setState({ running: true, result: null, error: null, cancelled: false, progress: null, partial: null });
      try {
        const result = await compute().run(task, params, {
          signal: c.signal,
          onProgress: (p) => setState((s) => ({ ...s, progress: { done: p.done, total: p.total, unit: p.unit, label: p.label }, partial: p.partial ?? s.partial })),
        });
        setState((s) => ({ ...s, running: false, result }));
      } catch (e) {
        const cancelled = e instanceof WorkerTaskError && e.code === 'cancelled';
        setState((s) => ({ ...s, running: false, cancelled, error: cancelled ? null : (e as Error).message }));
      } finally {
        if (controller.current === c) controller.current = null;
      }
    },
    [task],
  );

  const cancel = useCallback(() => controller.current?.abort(), []);
  return { ...state, start, cancel };
}
