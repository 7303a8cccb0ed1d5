/**
 * A throwaway redis-server for tests: the examples' launcher (a child process on a free loopback port,
 * no persistence, stopped in `stop()`). CI installs the Debian package; elsewhere, without
 * redis-server on PATH (or REDIS_SERVER), the Redis tests are skipped with the reason
 * ({@link redisSkip}), except under CI, where they fail.
 */
import { type LocalRedis, redisServerPath } from '../../../examples/dist/support/redis.js';

export { redisServerPath, startRedis } from '../../../examples/dist/support/redis.js';
export type TestRedis = LocalRedis;

/**
 * For `describe(name, { skip: redisSkip })`: undefined when redis-server is installed, else the reason.
 * Under CI (`CI` set) never a skip: the tests then fail, naming what is missing.
 */
export const redisSkip: string | undefined =
  redisServerPath !== undefined || process.env.CI ? undefined : 'redis-server is not installed (Debian: apt-get install redis-server, or set REDIS_SERVER)';
