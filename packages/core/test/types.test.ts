/**
 * Type-level checks that cannot live in a compiled test (an expected type error would break the build):
 * each snippet is type-checked with the TypeScript compiler API, as a user's file importing
 * '@threadfetch/core' by name, and must compile, or fail, as stated.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
let dir: string;

before(() => {
  // inside the package, so '@threadfetch/core' resolves through its own exports map, as for a user
  const root = path.join(here, '.typecheck');
  mkdirSync(root, { recursive: true });
  dir = mkdtempSync(path.join(root, 'run-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2023,
  lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
};

/** Type-checks `source` as an ES module; returns the error messages. */
function typecheck(name: string, source: string): string[] {
  const file = path.join(dir, `${name}.mts`);
  writeFileSync(file, source);
  const program = ts.createProgram([file], options);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const header = `
import { asCompleted, type CompletedFuture, type Future, FuturesSession, type Response } from '@threadfetch/core';
declare const callbacks: typeof import('../../fixtures/callbacks.js');
const session = new FuturesSession<typeof callbacks>({ callbacks: new URL('../../fixtures/callbacks.js', import.meta.url) });
`;

describe('types', () => {
  it('the harness reports a real type error (sanity check)', () => {
    const errors = typecheck('sanity', `${header}\nconst n: number = 'not a number';\nexport {};\n`);
    assert.equal(errors.length, 1, errors.join('\n'));
  });

  it('background names and res.data types flow from the callbacks module', () => {
    const errors = typecheck(
      'callbacks',
      `${header}
const summary = await session.get('http://127.0.0.1/x', { background: 'summarize' });
const total: number = summary.data.total;
const text: string = (await session.get('http://127.0.0.1/x', { background: 'text' })).data;
const none: undefined = (await session.get('http://127.0.0.1/x')).data;
const bytes: Uint8Array = (await session.get('http://127.0.0.1/x', { background: 'bytes' })).data;
export { total, text, none, bytes };
`,
    );
    assert.deepEqual(errors, []);
  });

  it('an unknown background name is a type error', () => {
    const errors = typecheck('unknown-callback', `${header}\nsession.get('http://127.0.0.1/x', { background: 'nope' });\nexport {};\n`);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0] ?? '', /nope/);
  });

  it('an unknown request option is a type error', () => {
    const errors = typecheck('unknown-option', `${header}\nsession.get('http://127.0.0.1/x', { tiemout: 5 });\nexport {};\n`);
    assert.equal(errors.length, 1, errors.join('\n'));
  });

  it('for await over asCompleted types the loop variable as the (non-thenable) Future it yields', () => {
    const errors = typecheck(
      'as-completed',
      `${header}
const futures = [session.get('http://127.0.0.1/a', { background: 'summarize' })];
for await (const future of asCompleted(futures)) {
  const f: CompletedFuture<Future<{ count: number; total: number }>> = future;
  const done: boolean = future.done;
  const error: Error | undefined = future.error;
  const total: number = (await future.result()).data.total;
  // @ts-expect-error the loop variable is a Future, not a Response
  const res: Response = future;
  // @ts-expect-error nor is it awaited into one
  future.status;
  void f; void done; void error; void total; void res;
}
`,
    );
    assert.deepEqual(errors, []);
  });
});
