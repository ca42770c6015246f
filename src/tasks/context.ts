// What every task receives besides its params: cancellation and progress reporting.
import { CancelledError } from '../worker/protocol';

export interface TaskContext {
  signal: AbortSignal;
  /** Report progress; `partial` is streamed to the page as it arrives. */
  progress(done: number, total: number, unit: string, label?: string, partial?: unknown): void;
}

/** Throws CancelledError if the run was cancelled. */
export function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

/**
 * Gives the event loop a turn (so a `cancel` message can arrive), then checks cancellation.
 * A macrotask via MessageChannel: setTimeout(0) is clamped to 4 ms after a few nestings.
 */
export function yieldAndCheck(signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => (signal.aborted ? reject(new CancelledError()) : resolve());
    if (typeof MessageChannel !== 'undefined') {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        done();
      };
      ch.port2.postMessage(null);
    } else {
      setTimeout(done, 0);
    }
  });
}

/** A context for callers that need neither progress nor cancellation (tests, scripts). */
export function quietContext(signal: AbortSignal = new AbortController().signal): TaskContext {
  return { signal, progress: () => undefined };
}
