import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingRequests } from '../../../media/core/PendingRequests.js';

/** The request-correlation primitive shared by the worker hosts and camerad's Channel. */
describe('PendingRequests', () => {
  it('gives each request a fresh id, sends after registering, and settles by id', async () => {
    const pending = new PendingRequests<{ method: string }>();
    const sent: number[] = [];
    const a = pending.add<string>((id) => sent.push(id), { meta: { method: 'a' } });
    const b = pending.add<string>((id) => {
      assert.equal(pending.has(id), true, 'registered before send');
      sent.push(id);
    });
    assert.equal(sent.length, 2);
    assert.notEqual(sent[0], sent[1]);
    assert.deepEqual(pending.meta(sent[0]!), { method: 'a' });
    assert.equal(pending.size, 2);
    assert.equal(pending.resolve(sent[1]!, 'B'), true);
    assert.equal(pending.resolve(sent[1]!, 'again'), false, 'settled once');
    assert.equal(pending.reject(sent[0]!, new Error('A failed')), true);
    assert.equal(await b, 'B');
    await assert.rejects(a, /A failed/);
    assert.equal(pending.size, 0);
    assert.equal(pending.meta(sent[0]!), undefined);
  });

  it('settles worker result messages, rebuilding the error (unknown ids are ignored)', async () => {
    const pending = new PendingRequests();
    let id = 0;
    const ok = pending.add<number>((i) => (id = i));
    pending.settle({ id, ok: true, value: 7 });
    assert.equal(await ok, 7);
    const failing = pending.add((i) => (id = i));
    pending.settle({ id: id + 100, ok: true, value: 0 });
    assert.equal(pending.size, 1);
    pending.settle({ id, ok: false, error: { name: 'RangeError', message: 'too big' } });
    await assert.rejects(failing, { name: 'RangeError', message: 'too big' });
  });

  it('rejects a request that gets no answer within its timeout, with the caller’s error; an answer after it is refused', async () => {
    const pending = new PendingRequests();
    let id = 0;
    const request = pending.add((i) => (id = i), { timeoutMs: 20, timeoutError: () => new Error('ping timed out') });
    await assert.rejects(request, /ping timed out/);
    assert.equal(pending.size, 0);
    assert.equal(pending.resolve(id, 'late'), false);
    const plain = pending.add(() => undefined, { timeoutMs: 10 });
    await assert.rejects(plain, /timed out after 10 ms/);
  });

  it('failAll rejects every waiting request once, and a send that throws rejects its request', async () => {
    const pending = new PendingRequests();
    const a = pending.add(() => undefined, { timeoutMs: 60_000 });
    const b = pending.add(() => undefined);
    pending.failAll(new Error('thread stopped'));
    await assert.rejects(a, /thread stopped/);
    await assert.rejects(b, /thread stopped/);
    assert.equal(pending.size, 0);
    const thrown = pending.add(() => {
      throw new Error('socket gone');
    });
    await assert.rejects(thrown, /socket gone/);
    assert.equal(pending.size, 0);
  });
});
