import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer, type TestServer } from './helpers/server.js';

const script = fileURLToPath(new URL('./fixtures/no-close.js', import.meta.url));
/** Far above a normal exit (well under a second), far below the pool's 30 s idle timeout. */
const limitMs = 15_000;

let server: TestServer;

before(async () => {
  server = await startServer({ '/hello': (_req, res) => res.end('hello') });
});

after(() => server.close());

describe('process lifetime', () => {
  it('a program that makes a request and never calls close() exits by itself', async () => {
    const child = spawn(process.execPath, [script, `${server.url}/hello`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    assert.equal(stdout, 'status 200 hello\n', `stderr: ${stderr}`);
    assert.equal(signal, null, `the child did not exit by itself within ${limitMs} ms; it was killed`);
    assert.equal(code, 0, `stderr: ${stderr}`);
  });
});
