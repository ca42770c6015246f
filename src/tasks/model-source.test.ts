import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../gpu/backend';
import { quietContext } from './context';
import { fillMask } from './fill-mask';
import { resolveSource } from './model-source';
import { loadSession } from './session';

// A local server with the Hugging Face hub's file URL layout: /<org>/<name>/resolve/main/<file>.
let server: Server;
let endpoint: string;
const requests: string[] = [];

beforeAll(async () => {
  await initBackend({ override: 'cpu', gpu: null });
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const m = /^\/test-org\/tiny-bert\/resolve\/main\/([\w.]+)$/.exec(req.url ?? '');
    const path = m ? `tests/fixtures/hf-tiny-bert-zh/${m[1]}` : '';
    if (!m || !existsSync(path)) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = readFileSync(path);
    res.writeHead(200, { 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('hf:org/name model ids', () => {
  it('fetch config, vocab and safetensors from the hub layout and run', async () => {
    const files = await resolveSource({ kind: 'hf', id: 'hf:test-org/tiny-bert', endpoint });
    expect(files.map((f) => f.name)).toEqual(['config.json', 'vocab.txt', 'model.safetensors']);
    const progress: number[] = [];
    const session = await loadSession('hf:test-org/tiny-bert', files, (done) => progress.push(done));
    expect(progress.at(-1)).toBeGreaterThan(11_000_000);
    const out = await fillMask(session, { text: '中国的首都是[MASK][MASK]。', topK: 3 }, quietContext());
    expect(out.masks.map((m) => m.position)).toEqual([7, 8]);
    expect(requests).toContain('GET /test-org/tiny-bert/resolve/main/model.safetensors');
    session.model.dispose();
  });

  it('says clearly when the model does not exist', async () => {
    await expect(resolveSource({ kind: 'hf', id: 'hf:nobody/nothing', endpoint })).rejects.toThrow(/neither model.safetensors nor pytorch_model.bin/);
    await expect(resolveSource({ kind: 'hf', id: 'not an id', endpoint })).rejects.toThrow(/hf:org\/name/);
  });
});
