/**
 * Bounds an example in time: if it has not finished within `seconds`, it says so and exits non-zero,
 * instead of hanging (run-all would kill it later, with less to say). The timer never keeps it alive.
 */
export function deadline(name: string, seconds: number): void {
  setTimeout(() => {
    console.error(`${name}: not finished after ${seconds} s; giving up`);
    process.exit(1);
  }, seconds * 1000).unref();
}
