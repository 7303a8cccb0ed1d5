/** What cannot cross machines: such a request is refused with TF_ERR_NOT_SUPPORTED naming it. */
import type { RequestSpec } from '@threadfetch/worker/protocol';

/**
 * The option of `spec` a distributed executor cannot carry, or undefined when it can carry them all.
 * Ports (session.stream, hooks, the cookie jar), a streamed upload body (but for a FormData's, read
 * whole first: bufferBody) and onProgress live on the caller's machine; saveTo writes on the worker's
 * machine, so it needs `allowSaveTo`. A setup module is a file on the caller's machine, as a callbacks
 * module is: worker processes load their own.
 */
export function unsupportedOption(spec: RequestSpec, allowSaveTo: boolean): string | undefined {
  if (spec.stream) return 'session.stream() (the body streams through a port on this machine)';
  if (spec.hooks || spec.hookNames) return 'hooks (functions on this machine)';
  if (spec.cookies) return 'a session cookie jar (it lives on this machine; send a cookie header instead)';
  if (spec.body instanceof ReadableStream && !spec.bufferBody)
    return 'a streamed request body (ReadableStream, async iterable or Node stream; send bytes or text)';
  if (spec.setup !== undefined) return 'a setup module (a file on this machine; worker processes run without one)';
  if (spec.progress) return 'onProgress (progress is not carried back from worker processes)';
  if (spec.saveTo && !allowSaveTo) return 'saveTo (the file would be written on the worker process machine; allow it with allowSaveTo: true)';
  return undefined;
}
