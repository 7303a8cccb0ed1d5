/**
 * Shape checks of what is read from Redis, before it is used (see the trust boundary in codec.ts):
 * each returns what is wrong, or undefined when the value has the shape the code relies on.
 */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (v: unknown, type: 'string' | 'number'): boolean => v === undefined || typeof v === type;

/** Deepest `cause` chain accepted (serializeError writes a few levels; a cycle would never end). */
const maxCauseDepth = 8;

function errorProblem(error: unknown, depth = 0): string | undefined {
  if (depth > maxCauseDepth) return `causes nested deeper than ${maxCauseDepth}`;
  if (!isObject(error) || typeof error.name !== 'string' || typeof error.message !== 'string') return 'not a serialized error';
  if (!optional(error.code, 'string') || !optional(error.stack, 'string')) return 'code or stack is not a string';
  const request = error.request;
  if (request !== undefined && !(isObject(request) && typeof request.method === 'string' && typeof request.url === 'string'))
    return 'request is not { method, url }';
  return error.cause === undefined ? undefined : errorProblem(error.cause, depth + 1);
}

function headersProblem(headers: unknown): string | undefined {
  if (!isObject(headers)) return 'not an object';
  for (const value of Object.values(headers)) {
    if (value === undefined || typeof value === 'string') continue;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return 'a value is not a string or a list of strings';
  }
  return undefined;
}

/** A decoded result message (QueueResultMessage). */
export function resultProblem(message: unknown): string | undefined {
  if (!isObject(message)) return 'not an object';
  if (typeof message.job !== 'string') return 'job is not a string';
  const result = message.result;
  if (!isObject(result)) return 'result is not an object';
  const times = result.times;
  if (!Array.isArray(times) || times.length !== 5 || !times.every((t) => typeof t === 'number')) return 'result.times is not five numbers';
  if (result.ok === false) {
    const problem = errorProblem(result.error);
    return problem && `result.error: ${problem}`;
  }
  if (result.ok !== true) return 'result.ok is not a boolean';
  if (typeof result.status !== 'number' || !Number.isInteger(result.status)) return 'result.status is not an integer';
  const problem = headersProblem(result.headers);
  if (problem) return `result.headers: ${problem}`;
  if (result.body !== undefined && !(result.body instanceof Uint8Array)) return 'result.body is not bytes';
  if (!optional(result.url, 'string') || !optional(result.statusText, 'string')) return 'result.url or result.statusText is not a string';
  if (!optional(result.blocked, 'number')) return 'result.blocked is not a number';
  return undefined;
}

const positiveInteger = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** A BullMQ job's data (JobData), version aside (checked first, with its own message). */
export function jobDataProblem(data: Record<string, unknown>): string | undefined {
  if (typeof data.producer !== 'string' || !/^[\w-]{1,100}$/.test(data.producer)) return 'producer is not an id';
  if (typeof data.spec !== 'string') return 'spec is not a string';
  if (!positiveInteger(data.maxResultBytes)) return 'maxResultBytes is not a positive integer';
  if (!positiveInteger(data.resultTtl)) return 'resultTtl is not a positive integer';
  return undefined;
}

/** A decoded request spec: what the worker thread reads before anything else. */
export function specProblem(spec: unknown): string | undefined {
  if (!isObject(spec)) return 'not an object';
  if (typeof spec.method !== 'string' || typeof spec.url !== 'string') return 'method or url is not a string';
  if (!isObject(spec.headers) && spec.headers !== undefined) return 'headers is not an object';
  const run = spec.run;
  if (run !== undefined) {
    if (!isObject(run) || typeof run.name !== 'string' || !Array.isArray(run.args)) return 'run is not { name, args }';
    if (!Array.isArray(run.transfer) || run.transfer.length > 0 || !optional(run.base, 'string'))
      return 'run.transfer is not empty or run.base is not a string';
  }
  return undefined;
}
