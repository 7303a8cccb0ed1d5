#!/usr/bin/env node
/** `threadfetch-worker`: a worker process consuming a threadfetch queue. See `--help` and args.ts. */
import { QueueConsumer } from '../consumer/queue-consumer.js';
import { parseWorkerArgs, UsageError, usage } from './args.js';

let options: ReturnType<typeof parseWorkerArgs>;
try {
  options = parseWorkerArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`threadfetch-worker: ${error.message}\n\n${usage}`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(usage);
  process.exit(0);
}

const consumer = new QueueConsumer(options);
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) {
    process.stderr.write(`threadfetch-worker: ${signal} again: exiting now; active jobs run again elsewhere once their lock expires\n`);
    process.exit(1);
  }
  stopping = true;
  process.stderr.write(`threadfetch-worker: ${signal}: finishing active jobs\n`);
  consumer.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`threadfetch-worker: close failed: ${(error as Error)?.message ?? error}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

// A signal during the start (Redis unreachable, say) ends the connections it waits on: stop() exits.
const started = await consumer.start().then(
  () => true,
  (error: unknown) => {
    if (!stopping) throw error;
    return false;
  },
);
if (started)
  process.stdout.write(
    `threadfetch-worker: ready (pid ${process.pid}, queue ${options.queue}, ${options.workers} threads, concurrency ${options.concurrency})\n`,
  );
