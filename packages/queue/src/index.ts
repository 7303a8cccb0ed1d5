/**
 * @threadfetch/queue: threadfetch beyond one machine. {@link QueueExecutor} puts a session's requests
 * on a BullMQ queue in Redis; `threadfetch-worker` processes, on any machines, run them on their own
 * thread pools with their own copy of the callbacks module.
 */
export { NotSupportedError, QueueDataLostError, ResultTooLargeError } from '@threadfetch/worker';
export { QueueConsumer, type QueueConsumerOptions } from './consumer/queue-consumer.js';
export { type QueueExecutorOptions, queueExecutorDefaults, type RedisConnection, type ResolvedQueueExecutorOptions } from './producer/options.js';
export { QueueExecutor } from './producer/queue-executor.js';
