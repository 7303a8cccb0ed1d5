import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FuturesSession } from '@threadfetch/core';
import { type Origin, rejectsWith, withOkOrigin } from './helpers.js';

let origin: Origin;
let session: FuturesSession;
withOkOrigin((o, s) => {
  origin = o;
  session = s;
});

const last = () => origin.seen.at(-1);
const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('bodies: json', () => {
  it('nested values and non-ASCII text go out as UTF-8 JSON', async () => {
    const value = { name: 'Zoë ✓ 😀', list: [1, 2.5, null, false], nested: { deep: { s: '"quoted"\n' } } };
    await session.post('/j', { json: value });
    assert.deepEqual(JSON.parse(last()?.body.toString('utf8') ?? ''), value);
    assert.equal(last()?.headers['content-length'], String(Buffer.byteLength(JSON.stringify(value))));
  });

  it('json: null, a string, 0 and false are sent as JSON, not dropped', async () => {
    for (const [json, wire] of [
      [null, 'null'],
      ['text', '"text"'],
      [0, '0'],
      [false, 'false'],
    ] as const) {
      await session.put('/j', { json });
      assert.equal(last()?.body.toString(), wire);
      assert.equal(last()?.headers['content-type'], 'application/json');
    }
  });

  it('toJSON is honoured (a Date becomes its ISO string)', async () => {
    await session.post('/j', { json: { at: new Date(0) } });
    assert.equal(last()?.body.toString(), '{"at":"1970-01-01T00:00:00.000Z"}');
  });
});

describe('bodies: form', () => {
  it('a record is sent urlencoded with its content-type; numbers and booleans become text', async () => {
    await session.post('/f', { form: { name: 'a b', sym: '&=+%', n: 3, yes: true, uni: 'é' } });
    assert.equal(last()?.body.toString(), 'name=a+b&sym=%26%3D%2B%25&n=3&yes=true&uni=%C3%A9');
    assert.match(last()?.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
  });

  it('URLSearchParams keep repeated names and their order', async () => {
    await session.post('/f', {
      form: new URLSearchParams([
        ['k', '1'],
        ['x', 'y'],
        ['k', '2'],
      ]),
    });
    assert.equal(last()?.body.toString(), 'k=1&x=y&k=2');
  });

  it('a content-type set by the caller is kept', async () => {
    await session.post('/f', { form: { a: '1' }, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(last()?.headers['content-type'], 'application/x-www-form-urlencoded');
  });

  it('a form value that is not a string, number or boolean rejects, naming the field', async () => {
    await rejectsWith(
      session.post('/f', { form: { ok: '1', bad: { nested: 1 } } as unknown as Record<string, string> }),
      'TF_ERR_INVALID_ARGUMENT',
      /form\.bad must be a string, number or boolean/,
    );
  });

  it('a form that is not a record rejects', async () => {
    await rejectsWith(session.post('/f', { form: ['a', 'b'] as unknown as Record<string, string> }), 'TF_ERR_INVALID_ARGUMENT', /form must be a plain record/);
  });
});

describe('bodies: raw bytes', () => {
  it('a Uint8Array of all 256 byte values arrives exactly', async () => {
    await session.post('/b', { body: allBytes });
    assert.deepEqual([...(last()?.body ?? [])], [...allBytes]);
    assert.equal(last()?.headers['content-length'], '256');
  });

  it('an ArrayBuffer of non-UTF-8 bytes arrives exactly', async () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x80, 0xc3, 0x28, 0x00, 0xa0, 0xa1]);
    await session.put('/b', { body: bytes.buffer });
    assert.deepEqual([...(last()?.body ?? [])], [...bytes]);
  });

  it('a small Node Buffer (a view into a shared pool) sends only its own bytes', async () => {
    const buf = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    assert.notEqual(buf.byteLength, buf.buffer.byteLength, 'the Buffer is pooled');
    await session.post('/b', { body: buf });
    assert.equal(last()?.body.toString('hex'), 'deadbeef');
  });

  it('a string body is sent as UTF-8, with the right content-length', async () => {
    await session.post('/b', { body: '€😀' });
    assert.equal(last()?.body.toString('hex'), Buffer.from('€😀').toString('hex'));
    assert.equal(last()?.headers['content-length'], '7');
  });

  it('an empty body is sent as zero bytes', async () => {
    await session.post('/b', { body: '' });
    assert.equal(last()?.body.byteLength, 0);
    await session.post('/b', { body: new Uint8Array(0) });
    assert.equal(last()?.body.byteLength, 0);
  });

  it('a 2 MB binary body arrives whole', async () => {
    const big = new Uint8Array(2_000_000);
    for (let i = 0; i < big.length; i += 1) big[i] = (i * 31) & 0xff;
    await session.post('/b', { body: big });
    assert.equal(last()?.body.byteLength, big.byteLength);
    assert.ok(last()?.body.equals(big));
  });
});

describe('bodies: conflicts and bad types', () => {
  it('form with body rejects', async () => {
    await rejectsWith(session.post('/b', { form: { a: '1' }, body: 'x' }), 'TF_ERR_INVALID_ARGUMENT', /form and body cannot both be given/);
  });

  it('json with body rejects', async () => {
    await rejectsWith(session.post('/b', { json: {}, body: 'x' }), 'TF_ERR_INVALID_ARGUMENT', /json and body cannot both be given/);
  });

  it('json with form rejects, naming both', async () => {
    await rejectsWith(session.post('/b', { json: {}, form: { a: '1' } }), 'TF_ERR_INVALID_ARGUMENT', /json and form/);
  });

  for (const [what, body] of [
    ['a number', 42],
    ['a plain object', { a: 1 }],
    ['an array', [1, 2]],
  ] as const) {
    it(`a body that is ${what} rejects, listing the allowed types`, async () => {
      await rejectsWith(
        session.post('/b', { body: body as unknown as string }),
        'TF_ERR_INVALID_ARGUMENT',
        /body must be a string, Uint8Array, ArrayBuffer, URLSearchParams, FormData, Blob \(or File\), ReadableStream or async iterable of bytes/,
      );
    });
  }
});
