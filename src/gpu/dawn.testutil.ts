// Test set-up: the tfjs WebGPU backend on Dawn (SwiftShader without a GPU), with CPU
// forwarding off so that every op really runs on the device.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { initBackend } from './backend';
import { installNodeWebGPU } from './node-gpu';

export async function startDawnWebGPU(): Promise<void> {
  const gpu = await installNodeWebGPU();
  if (!gpu) throw new Error('The `webgpu` package (Dawn) could not be loaded: install it and a Vulkan loader (libvulkan1).');
  await initBackend({ gpu, override: 'webgpu' });
  expect(tf.getBackend()).toBe('webgpu');
  expect(tf.env().getBool('WEBGPU_CPU_FORWARD')).toBe(false);
}
