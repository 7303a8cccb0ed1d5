/**
 * A streaming JSON reduction: a streaming callback feeds the body to a streaming JSON parser
 * (@streamparser/json) as it arrives and reduces each record, in constant memory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FixtureSession, record, withFixtureSession } from './helpers.js';

let session: FixtureSession;
withFixtureSession((_s, f) => {
  session = f;
});

/** The count and sum of price * qty of the first `count` records, and the array's size in bytes. */
function expected(count: number): { count: number; total: number; bytes: number } {
  let total = 0;
  let bytes = 2 + Math.max(0, count - 1);
  for (let i = 0; i < count; i++) {
    const r = record(i);
    total += r.price * r.qty;
    bytes += Buffer.byteLength(JSON.stringify(r));
  }
  return { count, total, bytes };
}

describe('streaming JSON reduction', () => {
  it('reduces a 64 MB JSON array as it arrives, the worker memory growing by a fraction of it', async () => {
    const count = 320_000;
    const res = await session.get('/records', { query: { count }, background: 'reduceJson', maxResponseSize: 1_000 });
    const { growth, ...reduced } = res.data;
    const want = expected(count);
    assert.deepEqual(reduced, want);
    assert.ok(want.bytes > 60e6);
    // Holding the document (or the values parsed from it) would take more than its size; chunks read
    // and not yet garbage-collected take a few MB, whatever the size.
    assert.ok(growth < want.bytes / 4, `worker memory grew by ${(growth / 1e6).toFixed(1)} MB reducing ${(want.bytes / 1e6).toFixed(1)} MB`);
  });

  it('a document cut short fails with TF_ERR_BODY_INCOMPLETE; a malformed one with TF_ERR_CALLBACK_FAILED', async () => {
    await assert.rejects(session.get('/records', { query: { count: 10_000, cut: 5_000 }, background: 'reduceJson' }), { code: 'TF_ERR_BODY_INCOMPLETE' });
    await assert.rejects(session.get('/records', { query: { count: 10_000, bad: 1 }, background: 'reduceJson' }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'TF_ERR_CALLBACK_FAILED');
      assert.match(error.message, /Unexpected/);
      return true;
    });
  });
});
