/**
 * `--profile DIR`: a CPU profile of the main thread while one client runs, taken in an extra pass after
 * the measured rounds (so that profiling never slows a measurement), written as
 * `DIR/<scenario>-<client>.cpuprofile` for Chrome DevTools or `node bench/dist/profile-summary.js`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Runs `work` under the V8 CPU profiler (100 us sampling) and writes the profile; returns its path. */
export async function profiled(dir: string, name: string, work: () => Promise<void>): Promise<string> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    let failure: { error: unknown } | undefined;
    try {
      await work();
    } catch (error) {
      failure = { error };
    }
    const { profile } = await session.post('Profiler.stop');
    const file = join(dir, `${name.replace(/[^\w-]+/g, '-')}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    if (failure) throw failure.error;
    return file;
  } finally {
    session.disconnect();
  }
}
