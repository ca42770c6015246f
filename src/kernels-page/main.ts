// The kernels workbench: starts WebGPU (never the CPU-forwarding shortcut), prints the adapter,
// then either checks every WGSL kernel against its float64 reference (?verify, the default) or
// times each against its tfjs peer (?bench). Results also go to a JSON <pre> for automation.
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { activeDevice, initBackend, type BackendReport } from '../gpu/backend';
import { BENCH_D, runBenchView } from './bench-view';
import { appendRow, el, exp, nextFrame, table } from './dom';
import { parseParams, type PageParams } from './params';
import { VERIFY_TOLERANCE, type BenchResults, type VerifyResults, type VerifyRow } from './protocol';
import { runVerify, selectChecks, verifyCases } from './verify';

const root = document.getElementById('kernels-root')!;
const statusLine = el('p', { id: 'status', 'data-status': 'running' }, 'Starting WebGPU…');
const adapterLine = el('p', { id: 'adapter' }, 'Adapter: …');
root.append(el('h1', {}, 'WGSL kernels'), adapterLine, statusLine);

/** Set when the kernels' device is not `activeDevice()` (see kernelDevice). */
let deviceWarning: string | undefined;

function setStatus(text: string, state?: 'running' | 'done' | 'failed' | 'error'): void {
  statusLine.textContent = text;
  if (state) statusLine.dataset.status = state;
}

/** Publishes the machine-readable results (the e2e test waits for this element). */
function publish(id: 'results' | 'bench-results', data: VerifyResults | BenchResults): void {
  if (deviceWarning) data.deviceWarning = deviceWarning;
  root.append(el('h2', {}, 'JSON'), el('pre', { id }, JSON.stringify(data, null, 1)));
}

function describeAdapter(report: BackendReport): string {
  const a = report.adapter;
  if (!a) return `backend ${report.backend}, no adapter`;
  const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unnamed adapter';
  return `backend ${report.backend}: ${name}${a.isSoftware ? ' (software)' : ''}`;
}

function verifyCells(r: VerifyRow): string[] {
  const problems = [
    ...(r.error ? [r.error] : []), ...r.validationErrors,
    ...(r.nonFinite ? [`${r.nonFinite} non-finite`] : []),
    ...(r.sentinelMismatches ? [`${r.sentinelMismatches} masked scores not −1e12`] : []),
    ...(r.leakedTensors ? [`${r.leakedTensors} tensors leaked`] : []),
  ];
  return [
    r.kernel, String(r.batch), String(r.heads), String(r.n), String(r.d), exp(r.maxRelErr), exp(r.maxAbsErr),
    r.ok ? 'ok' : 'FAIL', problems.join('; '), r.ms.toFixed(0),
  ];
}

async function verifyMode(params: PageParams, report: BackendReport, device: GPUDevice): Promise<void> {
  const checks = selectChecks(params.only);
  const cases = verifyCases();
  root.append(el('p', { id: 'seed' }, `Seed ${params.seed}${params.seedGiven ? ' (from the URL)' : ' (fresh; replay with ?seed=' + params.seed + ')'}. ` +
    `Tolerance: max |got − want| / max(|want|, rms(want)) ≤ ${VERIFY_TOLERANCE} against float64; ` +
    'masked GlobalPointer scores exactly −1e12; no WebGPU errors, no NaN, no leaked tensors.'));
  const t = table(['kernel', 'B', 'H', 'n', 'd', 'max rel err', 'max abs err', 'result', 'problems', 'ms'], { id: 'verify-table' });
  root.append(t.table);
  const total = checks.length * cases.length;
  const start = performance.now();
  const rows = await runVerify(device, {
    seed: params.seed, checks, cases,
    onRow: (r) => {
      appendRow(t.body, verifyCells(r), { 'data-ok': String(r.ok) });
      setStatus(`verify: ${t.body.rows.length}/${total} (last: ${r.kernel} n=${r.n} d=${r.d})`);
    },
  });
  const failed = rows.filter((r) => !r.ok).length;
  const totalMs = performance.now() - start;
  setStatus(`${failed ? `${failed} of ${rows.length} FAILED` : `all ${rows.length} passed`} in ${(totalMs / 1000).toFixed(1)} s (seed ${params.seed}).`,
    failed ? 'failed' : 'done');
  publish('results', { mode: 'verify', backend: report.backend, adapter: report.adapter, seed: params.seed, tolerance: VERIFY_TOLERANCE, rows, totalMs });
}

async function benchMode(params: PageParams, report: BackendReport): Promise<void> {
  const start = performance.now();
  const rows = await runBenchView(root, params, (text) => setStatus(text));
  const totalMs = performance.now() - start;
  setStatus(`bench done: ${rows.length} rows in ${(totalMs / 1000).toFixed(1)} s.`, 'done');
  publish('bench-results', {
    mode: 'bench', backend: report.backend, adapter: report.adapter, seed: params.seed, sizes: params.sizes, d: BENCH_D, rows, totalMs,
  });
}

/**
 * The device the kernels actually run on: the active tfjs backend's. Error scopes must be pushed
 * on this one. When it is not the device `initBackend` created (`activeDevice()`), tfjs kept a
 * WebGPU backend of its own; the page says so, since device-loss handling then watches the
 * wrong device.
 */
function kernelDevice(): GPUDevice {
  const device = (tf.backend() as WebGPUBackend).device;
  if (!device) throw new Error(`The active tfjs backend (${tf.getBackend()}) has no WebGPU device; reload the page.`);
  if (device !== activeDevice()) {
    deviceWarning = 'tfjs runs on a WebGPU device of its own, not the one initBackend created (activeDevice()); ' +
      'errors are watched on the device tfjs uses.';
    root.insertBefore(el('p', { id: 'device-warning' }, `Warning: ${deviceWarning}`), statusLine);
  }
  return device;
}

async function main(): Promise<void> {
  let params: PageParams | null = null;
  let report: BackendReport | null = null;
  try {
    params = parseParams(location.search);
    report = await initBackend({ override: 'webgpu' });
    adapterLine.textContent = `Adapter: ${describeAdapter(report)}`;
    const device = kernelDevice();
    setStatus(params.mode === 'bench' ? 'Timing…' : 'Checking…');
    await nextFrame();
    if (params.mode === 'bench') await benchMode(params, report);
    else await verifyMode(params, report, device);
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    setStatus(`Could not run: ${message}`, 'error');
    const seed = params?.seed ?? 0;
    const common = { backend: report?.backend ?? null, adapter: report?.adapter ?? null, seed, rows: [], error: message, totalMs: 0 };
    if (params?.mode === 'bench') publish('bench-results', { mode: 'bench', sizes: params.sizes, d: BENCH_D, ...common });
    else publish('results', { mode: 'verify', tolerance: VERIFY_TOLERANCE, ...common });
  }
}

void main();
