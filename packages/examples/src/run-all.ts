/**
 * Runs every example in its own process, one after another, and fails if any of them fails or
 * takes longer than its time limit (`pnpm --filter @threadfetch/examples run all`; CI runs it).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const examples: readonly [file: string, args: readonly string[]][] = [
  ['quick-start.js', []],
  ['asynckit.js', []],
  ['cpu-heavy.js', []],
  ['crawler.js', []],
  ['shared-executor.js', []],
  ['progress.js', []],
  ['streaming.js', []],
  ['json-reduce.js', []],
  ['cancellation.js', []],
  ['distributed.js', []],
  ['testing.js', []],
  ['service.js', []],
  ['demo.js', ['--requests', '16']],
];
const limitMs = 120_000;

let failed = 0;
for (const [file, args] of examples) {
  const started = performance.now();
  const child = spawn(process.execPath, [new URL(file, import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (code === 0) {
    console.log(`ok    ${file} (${seconds} s)`);
    continue;
  }
  failed++;
  console.log(`FAIL  ${file} (${signal ? `killed by ${signal} after ${seconds} s` : `exit code ${code}`})\n${output}`);
}
console.log(failed === 0 ? `all ${examples.length} examples passed` : `${failed} of ${examples.length} examples failed`);
process.exitCode = failed === 0 ? 0 : 1;
