/**
 * Typed runs: `session.run(name, ...args)` checks the arguments against the export's parameters and
 * infers the future's value from its return type. Each `@ts-expect-error` below must meet a type
 * error, or the build fails (an unused one is itself an error); the tests check the values at run time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Future, FuturesSession } from '@threadfetch/core';

type Runs = typeof import('./fixtures/runs.js');

let session: FuturesSession<Runs>;

before(() => {
  session = new FuturesSession<Runs>({ callbacks: new URL('./fixtures/runs.js', import.meta.url), maxWorkers: 1 });
});
after(() => session.close());

/** Type errors the compiler must find. Never called: only compiled. */
function mistakes(typed: FuturesSession<Runs>, untyped: FuturesSession): void {
  // @ts-expect-error a name the module does not export
  typed.run('subtract', 1, 2);
  // @ts-expect-error an argument of the wrong type
  typed.run('add', 1, '2');
  // @ts-expect-error too few arguments
  typed.run('add', 1);
  // @ts-expect-error too many arguments
  typed.run('add', 1, 2, 3);
  // @ts-expect-error a future of the wrong type
  typed.run('add', Future.withResolvers<string>().future, 2);
  // @ts-expect-error the value is a number, not a string
  typed.run('add', 1, 2).then((n): string => n);
  // @ts-expect-error a plain request's response is not a string
  typed.run('upper', typed.get('http://127.0.0.1/'));
  // @ts-expect-error an unknown run option
  typed.runWith({ deadline: 5 }, 'add', 1, 2);
  // @ts-expect-error resolve takes the future's type
  Future.withResolvers<number>().resolve('x');
  // Without a module type, any name and arguments are accepted, and the value is unknown.
  untyped.run('anything', 1, 'two').then((value): unknown => value);
}
void mistakes;

describe('run types', () => {
  it('arguments may be values or futures of them; the value is the awaited return type', async () => {
    const { future: ten, resolve } = Future.withResolvers<number>();
    const sum: Future<undefined, number> = session.run('sumAll', ten, 1, session.run('add', 2, 3));
    const text: Future<undefined, string> = session.runWith({ timeout: 10_000 }, 'upper', 'abc');
    resolve(10);
    const total: number = await sum;
    const upper: string = await text;
    assert.equal(total, 16);
    assert.equal(upper, 'ABC');
  });
});
