// Shared checks of the fused-kernel tests (cpu and wasm in fused-ops.test.ts, WebGPU in
// src/gpu/kernels/fused-kernels.webgpu.test.ts).
import { expect } from 'vitest';
import { biasGeluRef } from './fused-reference';

/**
 * GELU against float64, element by element: |got − want| ≤ erfError · 0.5·|u| (the erf
 * approximation's share) + ulps · 2^-23 · |want| (float32 rounding), u = x + bias. A relative
 * bound would not do: in the negative tail GELU is tiny and the erf error is absolute.
 */
export function expectGeluClose(
  got: ArrayLike<number>, xs: ArrayLike<number>, bias: ArrayLike<number>, bound: { erfError: number; ulps: number }, what: string,
): void {
  const want = biasGeluRef(xs, bias);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const u = Math.abs(Math.fround(xs[i]! + bias[i % bias.length]!));
    const allowed = bound.erfError * 0.5 * Math.max(u, 1e-30) + bound.ulps * 2 ** -23 * Math.abs(want[i]!);
    const excess = Math.abs(got[i]! - want[i]!) / allowed;
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  expect(worst, `${what}: error ${worst.toFixed(2)}× the bound at ${at} (got ${got[at]}, want ${want[at]})`).toBeLessThanOrEqual(1);
}
