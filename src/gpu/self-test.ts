// Proof that work really runs on the GPU: one compute shader of ours dispatched on the device,
// and one tfjs op whose output lives in a WebGPU buffer (not computed on the CPU).
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import selfTestWgsl from '../../shaders/self-test.wgsl?raw';
import { activeDevice } from './backend';

export interface SelfTestResult {
  backend: string;
  shader: { ran: boolean; maxError: number; n: number } | null;
  tfjsOp: { maxError: number; onGpu: boolean; onOurDevice: boolean };
  cpuForward: boolean;
}

async function runShader(device: GPUDevice, n: number): Promise<number> {
  const a = new Float32Array(n).map((_, i) => (i % 13) * 0.5);
  const b = new Float32Array(n).map((_, i) => 1 - (i % 7) * 0.25);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const make = (data: Float32Array) => {
    const buf = device.createBuffer({ size: data.byteLength, usage });
    device.queue.writeBuffer(buf, 0, data);
    return buf;
  };
  const bufA = make(a);
  const bufB = make(b);
  const out = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  device.pushErrorScope('validation');
  const pipeline = device.createComputePipeline({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: selfTestWgsl }), entryPoint: 'main' },
  });
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [bufA, bufB, out].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  enc.copyBufferToBuffer(out, 0, read, 0, n * 4);
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`WebGPU validation error in the self-test shader: ${err.message}`);
  await read.mapAsync(GPUMapMode.READ);
  const got = new Float32Array(read.getMappedRange().slice(0));
  read.unmap();
  [bufA, bufB, out, read].forEach((x) => x.destroy());
  let maxError = 0;
  for (let i = 0; i < n; i++) maxError = Math.max(maxError, Math.abs(got[i]! - (a[i]! * b[i]! + i)));
  return maxError;
}

export async function gpuSelfTest(): Promise<SelfTestResult> {
  const backend = tf.getBackend();
  const device = activeDevice();
  const n = 1000;
  const shader = device ? { ran: true, maxError: await runShader(device, n), n } : null;
  // [2,3]·[3,2]: small enough that CPU forwarding would take it if it were on.
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const y = tf.tensor2d([7, 8, 9, 10, 11, 12], [3, 2]);
  const z = tf.matMul(x, y);
  let onGpu = false;
  let onOurDevice = false;
  if (backend === 'webgpu') {
    const webgpu = tf.backend() as WebGPUBackend;
    // tfjs must run on the device we created with the adapter's limits (and watch for loss).
    onOurDevice = device !== null && webgpu.device === device;
    const info = webgpu.tensorMap.get(z.dataId);
    onGpu = Boolean(info?.resource && 'size' in (info.resource as object) && !info.values);
  }
  const got = await z.data();
  const want = [58, 64, 139, 154];
  const maxError = Math.max(...want.map((w, i) => Math.abs(w - got[i]!)));
  tf.dispose([x, y, z]);
  return { backend, shader, tfjsOp: { maxError, onGpu, onOurDevice }, cpuForward: Boolean(tf.env().get('WEBGPU_CPU_FORWARD')) };
}
