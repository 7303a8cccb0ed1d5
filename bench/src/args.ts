/** The harness's command line, parsed and validated: every mistake is named in one line, before anything runs. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type ClientKey, clientKeys, defaultWorkers } from './clients/clients.js';

/** Scenario names of the default run, as `--only` takes them, in the order they run. */
export const scenarioNames = ['latency', 'throughput', 'cpu-heavy', 'payload-sweep', 'workers-sweep', 'mixed'] as const;
/** Opt-in scenarios: only with `--only NAME` (or `--queue`), after the others. `queue` needs redis-server. */
export const optionalScenarioNames = ['queue'] as const;
/** One of {@link scenarioNames} or {@link optionalScenarioNames}. */
export type ScenarioName = (typeof scenarioNames)[number] | (typeof optionalScenarioNames)[number];
const allScenarioNames: readonly ScenarioName[] = [...scenarioNames, ...optionalScenarioNames];

/** The usage text of `--help`. */
export const usage = `Usage: pnpm bench -- [options]   (or: node bench/dist/run.js [options])

  --quick                 fewer rounds and requests: about 2-3 minutes on 2 cores
  --only LIST             scenarios, comma-separated: ${allScenarioNames.join(', ')} (queue is opt-in)
  --queue                 add the queue scenario (QueueExecutor, 1/2/4 worker processes, a private redis-server)
  --clients LIST          clients of the comparisons, comma-separated: ${clientKeys.join(', ')} (default: all; ratios need undici)
  --workers N             worker threads of threadfetch and the naive design (default: cores, at most 16)
  --nice N                niceIncrement of threadfetch's workers, 0 to 19 (default: the library's)
  --json FILE             write every figure as JSON
  --svg FILE              draw the goals chart as SVG
  --profile DIR           after throughput and cpu-heavy, profile each client's main thread (DIR/<scenario>-<client>.cpuprofile)
  --peers                 also run Python's requests-futures and geventhttpclient, when installed
  --url URL               measure your own endpoint instead of the scenarios
    --callbacks MODULE    with --url: a callbacks module (path or file: URL) ...
    --background NAME     ... and the named export that reduces each response in the worker
  --help                  this text`;

/** The validated options of one run. */
export interface Args {
  readonly help: boolean;
  readonly quick: boolean;
  readonly only: readonly ScenarioName[];
  readonly clients: ReadonlySet<ClientKey>;
  readonly workers: number;
  readonly nice: number | undefined;
  readonly json: string | undefined;
  readonly svg: string | undefined;
  readonly profile: string | undefined;
  readonly peers: boolean;
  readonly url: string | undefined;
  readonly callbacks: URL | undefined;
  readonly background: string | undefined;
}

/** A mistake on the command line; run.ts prints its message and the usage hint, and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function list<T extends string>(flag: string, value: string, known: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`${flag} takes a comma-separated list without empty items, got "${value}"`);
  for (const item of items) if (!known.includes(item as T)) throw new UsageError(`${flag}: unknown name "${item}"; known: ${known.join(', ')}`);
  return [...new Set(items as T[])];
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

function outputFile(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const dir = dirname(resolve(value));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag}: the folder ${dir} does not exist`);
  return value;
}

function profileDir(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === '') throw new UsageError('--profile needs a folder');
  try {
    mkdirSync(value, { recursive: true });
  } catch (error) {
    throw new UsageError(`--profile: cannot create ${value}: ${(error as Error).message}`);
  }
  return value;
}

function callbacksModule(value: string): URL {
  let url: URL;
  try {
    url = value.startsWith('file:') ? new URL(value) : pathToFileURL(resolve(value));
  } catch {
    throw new UsageError(`--callbacks must be a path or a file: URL, got "${value}"`);
  }
  if (!existsSync(url)) throw new UsageError(`--callbacks: no such file ${url.pathname}`);
  return url;
}

/** Parses `argv` (without node and the script; a leading `--`, as some pnpm versions pass it, is skipped); throws {@link UsageError}. */
export function parseCommandLine(argv: readonly string[]): Args {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv[0] === '--' ? argv.slice(1) : argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? String(error));
  }
  const url = values.url;
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {}
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new UsageError(`--url must be an http: or https: URL, got "${url}"`);
    for (const flag of ['only', 'clients', 'svg', 'profile'] as const)
      if (values[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --url`);
    if (values.peers) throw new UsageError('--peers does not apply to --url');
    if (values.queue) throw new UsageError('--queue does not apply to --url');
  } else if (values.callbacks !== undefined || values.background !== undefined) {
    throw new UsageError('--callbacks and --background go with --url');
  }
  if ((values.callbacks === undefined) !== (values.background === undefined)) throw new UsageError('--callbacks and --background go together');
  if (values.background !== undefined && !/^[A-Za-z_$][\w$]*$/.test(values.background)) {
    throw new UsageError(`--background must be the name of an export, got "${values.background}"`);
  }
  return {
    help: values.help ?? false,
    quick: values.quick ?? false,
    only: scenarios(values.only, values.queue ?? false),
    clients: new Set<ClientKey>(values.clients === undefined ? clientKeys : list('--clients', values.clients, clientKeys)),
    workers: integer('--workers', values.workers, 1, 64) ?? defaultWorkers(),
    nice: integer('--nice', values.nice, 0, 19),
    json: outputFile('--json', values.json),
    svg: outputFile('--svg', values.svg),
    profile: profileDir(values.profile),
    peers: values.peers ?? false,
    url,
    callbacks: values.callbacks === undefined ? undefined : callbacksModule(values.callbacks),
    background: values.background,
  };
}

/** `--only`'s scenarios (default: the default run), plus `queue` with `--queue`. */
function scenarios(only: string | undefined, queue: boolean): ScenarioName[] {
  const names: ScenarioName[] = only === undefined ? [...scenarioNames] : list('--only', only, allScenarioNames);
  if (queue && !names.includes('queue')) names.push('queue');
  return names;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      only: { type: 'string' },
      clients: { type: 'string' },
      workers: { type: 'string' },
      nice: { type: 'string' },
      json: { type: 'string' },
      svg: { type: 'string' },
      url: { type: 'string' },
      callbacks: { type: 'string' },
      background: { type: 'string' },
      profile: { type: 'string' },
      peers: { type: 'boolean' },
      queue: { type: 'boolean' },
    },
  });
}
