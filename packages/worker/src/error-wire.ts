/** Errors crossing threads: structured clone drops subclasses and own properties, so errors travel as data. */
import { errorClasses, type RequestRef, ThreadfetchError } from './errors.js';
import { redactRequest, redactUrl } from './redact.js';

/** An error as it crosses threads: plain data that structured clone keeps whole. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: string | undefined;
  readonly cause: SerializedError | undefined;
  readonly request: RequestRef | undefined;
  /** true when the error is a ThreadfetchError whose message already names the request. */
  readonly own: boolean;
}

/**
 * Turns any thrown value into {@link SerializedError}, following `cause` a few levels deep.
 * Credentials in URLs in messages and stacks (an undici error, a callback's own) are redacted.
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return { name: 'Error', message: redactUrl(String(error)), stack: undefined, code: undefined, cause: undefined, request: undefined, own: false };
  }
  const code = (error as { code?: unknown }).code;
  const cause = error.cause !== undefined && depth < 4 ? serializeError(error.cause, depth + 1) : undefined;
  return {
    name: error.name,
    message: redactUrl(error.message),
    stack: error.stack === undefined ? undefined : redactUrl(error.stack),
    code: typeof code === 'string' ? code : undefined,
    cause,
    request: error instanceof ThreadfetchError ? redactRequest((error as ThreadfetchError).request) : undefined,
    own: error instanceof ThreadfetchError,
  };
}

/** An error from elsewhere (a callback, undici) rebuilt from {@link SerializedError}: name, code and stack kept. */
export class RemoteError extends Error {
  readonly code: string | undefined;
  readonly #name: string;
  constructor(data: SerializedError) {
    super(data.message, data.cause ? { cause: deserializeError(data.cause) } : {});
    this.#name = data.name;
    this.code = data.code;
    if (data.stack !== undefined) this.stack = data.stack;
  }
  override get name(): string {
    return this.#name;
  }
}

/** Rebuilds the error class from `code`; foreign errors become {@link RemoteError}. */
export function deserializeError(data: SerializedError): Error {
  const Class = data.own && data.code ? errorClasses[data.code as keyof typeof errorClasses] : undefined;
  if (!Class) return new RemoteError(data);
  const cause = data.cause ? deserializeError(data.cause) : undefined;
  const error = new Class('', { cause, request: undefined });
  Object.defineProperty(error, 'message', { value: data.message, writable: true, configurable: true });
  Object.defineProperty(error, 'request', { value: redactRequest(data.request), enumerable: true });
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
