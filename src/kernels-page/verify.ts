// Runs every kernel check at every case inside WebGPU error scopes and turns the outcome into
// result rows. Each (kernel, case) draws its inputs from its own seed, derived from the page
// seed, so one row replays alone with `?seed=…&only=…`.
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../gpu/kernels/check';
import { attentionCases, type AttentionCase } from '../gpu/kernels/test-data';
import { KERNEL_CHECKS, type KernelCheck } from './kernel-checks';
import { PageParamError } from './params';
import { VERIFY_TOLERANCE, type VerifyRow } from './protocol';

/**
 * n ∈ {1, 7, 64, 513} with batch and heads > 1 at d = 32 and 64, plus n = 2048 (B = 1, H = 2)
 * at d = 64 only: one large case per kernel keeps the page under a minute on SwiftShader.
 */
export function verifyCases(): AttentionCase[] {
  return [...attentionCases(32).filter((c) => c.n < 2048), ...attentionCases(64)];
}

/** The checks whose kernel name contains `only` (all when empty). */
export function selectChecks(only: string | null): KernelCheck[] {
  if (!only) return KERNEL_CHECKS;
  const picked = KERNEL_CHECKS.filter((k) => k.kernel.toLowerCase().includes(only.toLowerCase()));
  if (!picked.length) {
    throw new PageParamError(`?only=${only} matches no kernel; use part of one of: ${KERNEL_CHECKS.map((k) => k.kernel).join(', ')}.`);
  }
  return picked;
}

/** FNV-1a of the text, mixed with the page seed: a stable 32-bit seed per row. */
export function caseSeed(seed: number, kernel: string, c: AttentionCase): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const ch of `${kernel}|${c.batch}|${c.heads}|${c.n}|${c.d}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

const SCOPES: GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

/** Runs `work` inside one error scope per filter; returns the errors those scopes caught. */
async function scoped<T>(device: GPUDevice, work: () => Promise<T>): Promise<{ value?: T; thrown?: unknown; errors: string[] }> {
  for (const filter of SCOPES) device.pushErrorScope(filter);
  let value: T | undefined;
  let thrown: unknown;
  try {
    value = await work();
  } catch (e) {
    thrown = e;
  }
  const errors: string[] = [];
  for (const filter of [...SCOPES].reverse()) {
    const error = await device.popErrorScope();
    if (error) errors.push(`${filter}: ${error.message}`);
  }
  return { value, thrown, errors };
}

export interface VerifyOptions {
  seed: number;
  checks: KernelCheck[];
  cases: AttentionCase[];
  onRow?: (row: VerifyRow) => void;
}

/** Checks every kernel at every case on `device` (the active tfjs WebGPU device). */
export async function runVerify(device: GPUDevice, opts: VerifyOptions): Promise<VerifyRow[]> {
  // Errors outside any scope (e.g. raised by a queued command after its scope closed).
  let uncaptured: string[] = [];
  const onUncaptured = (event: Event) => uncaptured.push(`uncaptured: ${(event as GPUUncapturedErrorEvent).error.message}`);
  device.addEventListener('uncapturederror', onUncaptured);
  const rows: VerifyRow[] = [];
  try {
    for (const check of opts.checks) {
      for (const c of opts.cases) {
        uncaptured = [];
        const tensorsBefore = tf.memory().numTensors;
        const start = performance.now();
        const rand = seededRandom(caseSeed(opts.seed, check.kernel, c));
        const outcome = await scoped(device, () => check.run(c, rand));
        // Let late uncaptured errors of this case arrive before it is judged.
        await new Promise((resolve) => setTimeout(resolve, 0));
        const report = outcome.value;
        const row: VerifyRow = {
          kernel: check.kernel, batch: c.batch, heads: check.heads?.(c) ?? c.heads, n: c.n, d: c.d,
          maxRelErr: report ? report.maxRel : Number.NaN,
          maxAbsErr: report ? report.maxAbs : Number.NaN,
          nonFinite: report?.nonFinite ?? 0,
          sentinelMismatches: report?.sentinelMismatches ?? 0,
          leakedTensors: tf.memory().numTensors - tensorsBefore,
          validationErrors: [...outcome.errors, ...uncaptured],
          ok: false,
          ms: performance.now() - start,
        };
        if (outcome.thrown !== undefined) {
          row.error = outcome.thrown instanceof Error ? `${outcome.thrown.name}: ${outcome.thrown.message}` : String(outcome.thrown);
        }
        row.ok = row.error === undefined && row.validationErrors.length === 0 && row.nonFinite === 0 &&
          row.sentinelMismatches === 0 && row.leakedTensors === 0 && row.maxRelErr <= VERIFY_TOLERANCE;
        rows.push(row);
        opts.onRow?.(row);
      }
    }
  } finally {
    device.removeEventListener('uncapturederror', onUncaptured);
  }
  return rows;
}
