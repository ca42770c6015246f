import { initBackend } from '../gpu/backend';
import { linearAttentionSuite } from './linear-attention.suite';

linearAttentionSuite('cpu', async () => {
  await initBackend({ override: 'cpu', gpu: null });
});

linearAttentionSuite('wasm', async () => {
  await initBackend({ override: 'wasm', gpu: null });
});
