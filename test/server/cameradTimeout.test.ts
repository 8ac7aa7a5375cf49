/**
 * A camerad that does not answer: the request is rejected with a `TimeoutError`, and an HTTP
 * route that waited for it answers 504 with a message saying which request timed out (not a 500
 * "internal error"). The camerad side is the peer end of a Unix socket pair that reads and never
 * replies; the client is the real `Channel`, the HTTP side the real error middleware.
 */
import assert from 'node:assert/strict';
import type { Server as HttpServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import Koa from 'koa';
import { Channel } from '../../media/camerad/Channel.js';
import { TimeoutError } from '../../media/core/errors.js';
import { errorMiddleware } from '../../server/http/errorMiddleware.js';
import { testLogger } from '../helpers/logger.js';
import { type SocketPair, socketPair } from '../helpers/socketPair.js';

describe('a camerad request that gets no answer', () => {
  let pair: SocketPair;
  let channel: Channel;
  let http: HttpServer;
  let url: string;

  before(async () => {
    pair = await socketPair();
    pair.peer.resume(); // the silent camerad: reads every request, answers none
    channel = new Channel(pair.client, testLogger, { requestTimeoutMs: 100 });
    const app = new Koa();
    app.use(errorMiddleware(testLogger));
    app.use(async (ctx) => {
      ctx.body = await channel.request('keyframe');
    });
    http = await new Promise<HttpServer>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = http.address();
    assert.ok(address && typeof address === 'object');
    url = `http://127.0.0.1:${address.port}/`;
  });

  after(async () => {
    channel.close();
    pair.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  test('is rejected with a TimeoutError naming the method and the wait', async () => {
    await assert.rejects(channel.request('ping'), (error: unknown) => {
      assert.ok(error instanceof TimeoutError, `a TimeoutError, got ${String(error)}`);
      assert.equal(error.timeoutMs, 100);
      assert.match(error.message, /camerad request ping timed out after 100 ms/);
      return true;
    });
    assert.equal(channel.pendingCount, 0, 'the timed out request is forgotten');
    assert.equal(channel.closed, false, 'the channel stays open');
  });

  test('an HTTP request waiting for it is answered 504 with that message', async () => {
    const response = await fetch(url);
    assert.equal(response.status, 504);
    assert.deepEqual(await response.json(), { error: 'camerad request keyframe timed out after 100 ms' });
  });
});
