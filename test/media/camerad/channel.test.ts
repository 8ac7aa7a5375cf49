import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Channel } from '../../../media/camerad/Channel.js';
import { FrameDecoder, FrameKind, encodeFrame } from '../../../media/camerad/FrameDecoder.js';
import { PictureFormat } from '../../../media/camerad/PictureMessage.js';
import { CameradError, InvalidStateError } from '../../../media/core/errors.js';
import { testLogger } from '../../helpers/logger.js';
import { socketPair, type SocketPair } from '../../helpers/socketPair.js';
import { pictureBytes } from './pictureBytes.js';

interface Request {
  id: number;
  method: string;
  params: unknown;
}

/**
 * The camerad end of a socketpair, scripted by the test: it collects the requests the channel
 * sends (native/PROTOCOL.md framing and JSON) and writes whatever frames the test tells it to.
 */
class ScriptedPeer {
  readonly #requests: Request[] = [];
  readonly #waiters: ((request: Request) => void)[] = [];

  constructor(readonly pair: SocketPair) {
    const decoder = new FrameDecoder();
    pair.peer.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        assert.equal(frame.kind, FrameKind.request, 'the channel sends only requests');
        const request = JSON.parse(frame.payload.toString('utf8')) as Request;
        const waiter = this.#waiters.shift();
        if (waiter) waiter(request);
        else this.#requests.push(request);
      }
    });
  }

  /** The next request the channel sent. */
  next(): Promise<Request> {
    const queued = this.#requests.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  send(kind: number, payload: Buffer | object): void {
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
    this.pair.peer.write(encodeFrame(kind, bytes));
  }

  reply(id: number, result: object): void {
    this.send(FrameKind.response, { id, ok: true, result });
  }
}

/**
 * `Channel` over a real Unix socketpair with a scripted camerad on the other end: request/response
 * correlation by id, camerad's errors, per-request timeouts, grab pictures, notifications and
 * pictures as events, and teardown (every pending request rejected once, `close` emitted once).
 */
describe('Channel over a socketpair', () => {
  let pair: SocketPair;
  let channel: Channel;
  let camerad: ScriptedPeer;
  const open = async (options?: { requestTimeoutMs?: number }): Promise<void> => {
    pair = await socketPair();
    channel = new Channel(pair.client, testLogger, options);
    camerad = new ScriptedPeer(pair);
  };
  afterEach(() => {
    channel.close();
    pair.close();
  });

  it('sends {id, method, params} and matches answers to requests by id, in any order', async () => {
    await open();
    const stats = channel.request('stats');
    const keyframe = channel.request('keyframe', {});
    const a = await camerad.next();
    const b = await camerad.next();
    assert.deepEqual([a.method, b.method], ['stats', 'keyframe']);
    assert.deepEqual(a.params, {});
    assert.notEqual(a.id, b.id);
    assert.equal(channel.pendingCount, 2);
    camerad.reply(b.id, { keyframe_requests: 3 }); // the second answered first
    camerad.reply(a.id, { fps: 15 });
    assert.deepEqual(await keyframe, { keyframe_requests: 3 });
    assert.deepEqual(await stats, { fps: 15 });
    assert.equal(channel.pendingCount, 0);
  });

  it('an answer with ok: false rejects with a CameradError carrying camerad’s code and message', async () => {
    await open();
    const pending = channel.request('ping');
    const { id } = await camerad.next();
    camerad.send(FrameKind.response, { id, ok: false, error: { code: 'bad_request', message: 'fps: must be 1..60' } });
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof CameradError);
      assert.equal(error.code, 'bad_request');
      assert.equal(error.message, 'fps: must be 1..60');
      return true;
    });
  });

  it('a request with no answer is rejected after its timeout; a late answer is ignored and the channel goes on', async () => {
    await open({ requestTimeoutMs: 60_000 });
    const pending = channel.request('ping', {}, { timeoutMs: 50 });
    const late = await camerad.next();
    await assert.rejects(pending, /camerad request ping timed out after 50 ms/);
    assert.equal(channel.pendingCount, 0);
    camerad.reply(late.id, {}); // matches nothing now
    const next = channel.request('ping');
    camerad.reply((await camerad.next()).id, {});
    assert.deepEqual(await next, {});
    assert.equal(channel.closed, false);
  });

  it('the channel’s own timeout applies when the request names none', async () => {
    await open({ requestTimeoutMs: 40 });
    await assert.rejects(channel.request('ping'), /timed out after 40 ms/);
  });

  it('a grab answer resolves with the picture sent before it (kind 6, matched by request id)', async () => {
    await open();
    const grab = channel.requestWithPicture('grab', { format: 'jpeg' });
    const { id } = await camerad.next();
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    camerad.send(
      FrameKind.grabFrame,
      pictureBytes({ format: PictureFormat.jpeg, width: 4, height: 2, stride: 0, requestId: id, data: jpeg }),
    );
    camerad.reply(id, { width: 4 });
    const { result, picture } = await grab;
    assert.deepEqual(result, { width: 4 });
    assert.equal(picture.requestId, id);
    assert.deepEqual([...picture.data], [...jpeg]);
  });

  it('a grab answered without its picture is rejected, naming the method', async () => {
    await open();
    const grab = channel.requestWithPicture('grab', { format: 'jpeg' });
    camerad.reply((await camerad.next()).id, {});
    await assert.rejects(grab, /camerad answered grab without its picture/);
  });

  it('notifications, analysis frames, stills and unknown kinds arrive as events, in order', async () => {
    await open();
    const seen: string[] = [];
    channel.on('notification', (n) => seen.push(`notification:${n.event}`));
    channel.on('analysis', (p) => seen.push(`analysis:${p.frame}`));
    channel.on('still', (p) => seen.push(`still:${p.requestId}`));
    const done = new Promise<void>((resolve) =>
      channel.on('binary', (kind, payload) => {
        seen.push(`binary:${kind}:${payload.toString()}`);
        resolve();
      }),
    );
    camerad.send(FrameKind.notification, { event: 'source_lost', data: { reason: 'gone' } });
    camerad.send(
      FrameKind.analysisFrame,
      pictureBytes({ format: PictureFormat.rgb24, frame: 9, width: 1, height: 1, stride: 3, data: Buffer.alloc(3) }),
    );
    camerad.send(
      FrameKind.jpeg,
      pictureBytes({ format: PictureFormat.jpeg, width: 1, height: 1, stride: 0, requestId: 2, data: Buffer.alloc(2) }),
    );
    camerad.send(FrameKind.notification, Buffer.from('not json')); // ignored
    camerad.send(FrameKind.analysisFrame, Buffer.from('not a picture')); // ignored
    camerad.send(42, Buffer.from('later'));
    await done;
    assert.deepEqual(seen, ['notification:source_lost', 'analysis:9', 'still:2', 'binary:42:later']);
  });

  it('camerad going away rejects every pending request with InvalidStateError and emits close once', async () => {
    await open();
    const closes: (Error | undefined)[] = [];
    channel.on('close', (error) => closes.push(error));
    const a = channel.request('ping');
    const b = channel.requestWithPicture('grab', { format: 'jpeg' });
    await camerad.next();
    await camerad.next();
    pair.peer.destroy();
    await assert.rejects(a, InvalidStateError);
    await assert.rejects(b, /Channel closed/);
    assert.equal(channel.closed, true);
    assert.equal(channel.pendingCount, 0);
    await assert.rejects(channel.request('ping'), InvalidStateError);
    channel.close(); // idempotent
    assert.equal(closes.length, 1);
    assert.equal(closes[0], undefined);
  });

  it('a malformed frame header closes the channel with the protocol error', async () => {
    await open();
    const closed = new Promise<Error | undefined>((resolve) => channel.once('close', resolve));
    const pending = channel.request('ping');
    await camerad.next();
    pair.peer.write(Buffer.from([0, 0, 0, 0, 2])); // length 0
    const error = await closed;
    assert.match(String(error), /invalid frame length 0/);
    await assert.rejects(pending, InvalidStateError);
  });
});
