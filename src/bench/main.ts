// The benchmark page: our engine and onnxruntime-web side by side on the same weights (the
// fixture, or the bundled default model once the driver has put its ONNX export into the build).
// The Node driver (scripts/bench-ort.ts) calls `window.benchPage` in fresh browser contexts;
// a person can run one quick pair with the form below.
import { createBenchApi } from './api';
import { median, minimum, shapeLabel } from './inputs';
import type { BenchModelId, ForwardShape, OursBackend, PairSpec, PeerName } from './protocol';

const root = document.getElementById('bench-root')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

const log = el('pre', { 'data-testid': 'bench-log' });
const status = el('p', { 'data-testid': 'bench-status', 'data-status': 'idle' }, 'Idle.');
const api = createBenchApi((line) => {
  log.textContent += `${line}\n`;
});
window.benchPage = api;

function setStatus(state: 'idle' | 'running' | 'done' | 'error', text: string): void {
  status.dataset.status = state;
  status.textContent = text;
}

const PAIRS: Record<string, Omit<PairSpec, 'logPlacement'>> = {
  'wasm vs ORT wasm (1 thread)': { ours: 'wasm', peer: 'ort-wasm', threads: 1 },
  'wasm vs ORT wasm (2 threads)': { ours: 'wasm', peer: 'ort-wasm', threads: 2 },
  'webgpu vs ORT webgpu': { ours: 'webgpu', peer: 'ort-webgpu', threads: 1 },
};

const pairSelect = el('select', { 'data-testid': 'bench-pair' });
for (const name of Object.keys(PAIRS)) pairSelect.append(el('option', { value: name }, name));
const modelSelect = el('select', { 'data-testid': 'bench-model' });
modelSelect.append(el('option', { value: 'fixture' }, 'fixture (tiny-bert-zh)'), el('option', { value: 'default' }, 'default (bundled model)'));
const runButton = el('button', { 'data-testid': 'bench-run' }, 'Check and time B1×L16');
const envOut = el('pre', { 'data-testid': 'bench-env' });

runButton.addEventListener('click', () => {
  runButton.disabled = true;
  pairSelect.disabled = true;
  modelSelect.disabled = true;
  void (async () => {
    try {
      setStatus('running', 'Loading both runtimes…');
      const spec = PAIRS[pairSelect.value]!;
      await api.setup({ ...spec, ours: spec.ours as OursBackend, peer: spec.peer as PeerName, logPlacement: true, model: modelSelect.value as BenchModelId });
      const shape: ForwardShape = { batch: 1, length: 16 };
      const check = await api.check(shape);
      if (!check.ok) {
        setStatus('error', `The logits differ by ${check.maxAbsDiff}: timing refused.`);
        return;
      }
      const t = await api.timeForward(shape, 2, 5, false);
      setStatus('done', `${shapeLabel(shape)}: ours median ${median(t.ours).toFixed(1)} ms (min ${minimum(t.ours).toFixed(1)}), peer median ${median(t.peer).toFixed(1)} ms (min ${minimum(t.peer).toFixed(1)}). Reload the page for another pair.`);
    } catch (e) {
      setStatus('error', (e as Error).message);
    }
  })();
});

root.append(
  el('h1', {}, 'Engine vs onnxruntime-web'),
  el(
    'p',
    {},
    'Same weights on both sides: the fixture (tests/fixtures/hf-tiny-bert-zh, model.safetensors for us, model.onnx for ORT) or the bundled default model (model.bpg for us, its ONNX export for ORT; the export is put into the build by npm run bench -- --only ort --ort-model default). Full runs: npm run bench -- --only ort.',
  ),
  envOut,
  modelSelect,
  pairSelect,
  runButton,
  status,
  log,
);

void api.env().then((env) => {
  envOut.textContent = JSON.stringify(env, null, 2);
  root.dataset.ready = 'true';
});
