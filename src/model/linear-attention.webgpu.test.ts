import { initBackend } from '../gpu/backend';
import { installNodeWebGPU } from '../gpu/node-gpu';
import { linearAttentionSuite } from './linear-attention.suite';

linearAttentionSuite('webgpu', async () => {
  const gpu = await installNodeWebGPU();
  await initBackend({ gpu, override: 'webgpu' });
});
