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

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the fixture in a child node process; kills it if it has not exited by itself within limitMs. */
async function runChild(...args: string[]): Promise<Outcome> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { code, signal, stdout, stderr };
}

describe('process lifetime', () => {
  it('a program that makes a request and never calls close() exits by itself', async () => {
    const { code, signal, stdout, stderr } = await runChild(`${server.url}/hello`);
    assert.equal(stdout, 'status 200 hello\n', `stderr: ${stderr}`);
    assert.equal(signal, null, `the child did not exit by itself within ${limitMs} ms; it was killed`);
    assert.equal(code, 0, `stderr: ${stderr}`);
  });

  it('futures that fail and are never read neither crash the program nor keep it alive', async () => {
    const { code, signal, stdout, stderr } = await runChild(`${server.url}/hello`, 'unread-error');
    assert.equal(signal, null, `the child did not exit by itself within ${limitMs} ms; it was killed`);
    assert.equal(stdout, 'done\n', `stderr: ${stderr}`);
    assert.equal(code, 0, `stderr: ${stderr}`);
    assert.equal(stderr, '');
  });
});
