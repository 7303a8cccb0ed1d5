/**
 * Progress: `onProgress` reports `{ loaded, total }` from the worker while a large body downloads, at
 * most every 100 ms and once at the end. Drawn as a progress bar: redrawn on one line in a terminal,
 * a few lines (every quarter) when the output is a pipe or a file. The download goes to a file with
 * `saveTo`, whose bytes are then checked; a second download without content-length shows bytes only.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuturesSession } from '@threadfetch/core';
import { deadline } from './support/deadline.js';
import { startServer } from './support/local-server.js';
import { patternBytes } from './support/routes.js';

deadline('progress', 60);

interface Progress {
  readonly loaded: number;
  readonly total: number | undefined;
}

/** A text progress bar. In a terminal it redraws one line; otherwise it prints at 0, 25, 50, 75 and 100%. */
class ProgressBar {
  readonly reports: Progress[] = [];
  #printedQuarter = -1;

  constructor(
    readonly label: string,
    readonly tty = process.stdout.isTTY === true,
  ) {}

  /** onProgress: pass it as is (`onProgress: bar.update`). */
  readonly update = (progress: Progress): void => {
    this.reports.push(progress);
    if (this.tty) {
      process.stdout.write(`\r${this.render(progress)}\u001b[K`);
      return;
    }
    // Unknown total: the first report only; the last comes from done().
    const quarter = progress.total === undefined ? 0 : Math.floor((progress.loaded / progress.total) * 4);
    if (quarter > this.#printedQuarter && quarter < 4) {
      this.#printedQuarter = quarter;
      console.log(this.render(progress));
    }
  };

  /** Ends the bar: the final state on its own line. */
  done(): void {
    const last = this.reports.at(-1) ?? { loaded: 0, total: undefined };
    if (this.tty) process.stdout.write(`\r${this.render(last)}\u001b[K\n`);
    else console.log(this.render(last));
  }

  render({ loaded, total }: Progress): string {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    if (total === undefined) return `${this.label} ${mb(loaded)} MB (size unknown)`;
    const width = 30;
    const filled = Math.min(width, Math.round((loaded / total) * width));
    const percent = ((loaded / total) * 100).toFixed(0).padStart(3);
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%  ${mb(loaded)} / ${mb(total)} MB`;
  }
}

/** Checks what every onProgress sequence promises: loaded only grows, and the last report is the whole body. */
function checkReports(reports: readonly Progress[], size: number, total: number | undefined): void {
  assert.ok(reports.length >= 2, `reports came while the body downloaded (${reports.length})`);
  for (let i = 1; i < reports.length; i++) assert.ok((reports[i]?.loaded ?? 0) > (reports[i - 1]?.loaded ?? 0), 'loaded only grows');
  assert.ok(
    reports.every((p) => p.total === total),
    `total is ${total} in every report`,
  );
  assert.deepEqual(reports.at(-1), { loaded: size, total }, 'the last report is the whole body');
}

await using server = await startServer();
await using session = new FuturesSession({ baseURL: server.url, maxWorkers: 1 });
const dir = await mkdtemp(join(tmpdir(), 'threadfetch-progress-'));
try {
  // 16 MB in 64 KiB chunks, 4 ms apart: a second or two, so there is something to watch.
  const size = 16_000_000;
  const chunks = Math.ceil(size / 65_536);
  const file = join(dir, 'download.bin');
  const bar = new ProgressBar('download.bin');
  const res = await session.get(`/download/${size}`, { query: { chunk: 65_536, pause: 4 }, saveTo: file, onProgress: bar.update });
  bar.done();
  const onDisk = await readFile(file);
  console.log(`${bar.reports.length} progress reports for ${chunks} chunks; ${onDisk.byteLength} bytes on disk`);
  assert.equal(res.status, 200);
  assert.equal(res.body.byteLength, 0, 'saveTo: the bytes went to the file, not to the main thread');
  checkReports(bar.reports, size, size);
  assert.ok(bar.reports.length < chunks / 4, 'reports are throttled, not one per chunk');
  assert.equal(onDisk.byteLength, size);
  assert.equal(createHash('sha256').update(onDisk).digest('hex'), createHash('sha256').update(patternBytes(0, size)).digest('hex'), 'the file holds the body');

  // Without content-length (chunked encoding) the total is unknown: the bar shows bytes only.
  const lines = 400_000;
  const unknown = new ProgressBar('lines.txt');
  const text = await session.get(`/lines/${lines}`, { onProgress: unknown.update });
  unknown.done();
  checkReports(unknown.reports, text.body.byteLength, undefined);
  assert.equal(text.text().split('\n').length - 1, lines, 'every line arrived');
  console.log('progress: ok');
} finally {
  await rm(dir, { recursive: true, force: true });
}
