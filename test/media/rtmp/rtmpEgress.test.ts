import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { CameradError, InvalidStateError } from '../../../media/core/errors.js';
import { RtmpEgress } from '../../../media/rtmp/RtmpEgress.js';
import type { RtmpStatus } from '../../../media/rtmp/RtmpEgressTypes.js';
import { StreamKeyRedactor } from '../../../media/rtmp/StreamKeyRedactor.js';
import { testLogger } from '../../helpers/logger.js';
import { ScriptedCamera } from './scriptedCamera.js';

const KEY = 'egress-unit-key-0001';
const URL_ = `rtmp://127.0.0.1:1/live/${KEY}`;

const until = async (what: string, check: () => boolean, timeoutMs = 2000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
};

function setup(): { camera: ScriptedCamera; egress: RtmpEgress; events: RtmpStatus[] } {
  const camera = new ScriptedCamera();
  const redactor = new StreamKeyRedactor();
  const egress = new RtmpEgress(camera, redactor, testLogger, {
    backoffInitialMs: 40,
    backoffMaxMs: 80,
    backoffJitter: 0,
  });
  const events: RtmpStatus[] = [];
  egress.on('state', (s) => events.push(s));
  return { camera, egress, events };
}

describe('RtmpEgress state machine', () => {
  it('connecting → live → reconnecting (backoff) → live → off, counting and redacting', async () => {
    const { camera, egress, events } = setup();
    const started = await egress.start(URL_);
    assert.equal(started.state, 'connecting');
    assert.equal(started.ingest_host, '127.0.0.1:1');
    await assert.rejects(egress.start(URL_), InvalidStateError, 'a second start is refused');
    camera.send({ state: 'live', bytes_sent: 1000 });
    assert.equal(egress.state, 'live');
    camera.send({ state: 'failed', bytes_sent: 3000, error: `Could not write to ${URL_} (stream ${KEY})` });
    const failed = egress.status();
    assert.equal(failed.state, 'reconnecting');
    assert.equal(failed.last_error, 'Could not write to rtmp://127.0.0.1:1/live/*** (stream ***)');
    assert.ok(failed.next_retry_ms !== null && failed.next_retry_ms <= 40);
    assert.equal(failed.bytes_sent, 3000);
    await until('a reconnect attempt', () => camera.starts() === 2);
    assert.equal(egress.status().reconnects, 1);
    camera.send({ state: 'failed', bytes_sent: 0, error: 'Connection refused' });
    await until('a second attempt after 80 ms', () => camera.starts() === 3);
    camera.send({ state: 'live', bytes_sent: 10 });
    const live = egress.status();
    assert.equal(live.state, 'live');
    assert.equal(live.reconnects, 2);
    assert.equal(live.recoveries, 1);
    const stopped = await egress.stop();
    assert.equal(stopped.state, 'off');
    assert.equal(stopped.bytes_sent, 3500, 'bytes of every connection');
    await assert.rejects(egress.stop(), InvalidStateError);
    await sleep(100);
    assert.equal(camera.starts(), 3, 'no attempt after stop (the stopped notification is ours)');
    assert.deepEqual([...new Set(events.map((e) => e.state))], ['connecting', 'live', 'reconnecting', 'off']);
    assert.ok(!JSON.stringify(events).includes(KEY));
    await egress.close();
    await egress.close();
  });

  it('a camerad restart ends the branch: it starts again on the new hello', async () => {
    const { camera, egress } = setup();
    await egress.start(URL_);
    camera.send({ state: 'live', bytes_sent: 100 });
    camera.connected = false;
    camera.branch = false;
    camera.supervisor.safeEmit('state', 'restarting');
    assert.equal(egress.state, 'reconnecting');
    assert.match(egress.status().last_error ?? '', /camerad restarted/);
    await sleep(100);
    assert.equal(camera.starts(), 1, 'no attempt while camerad is down');
    camera.connected = true;
    camera.supervisor.safeEmit('hello', {} as never);
    await until('the branch started again', () => camera.branch);
    assert.equal(egress.status().reconnects, 1);
    camera.send({ state: 'live', bytes_sent: 5 });
    assert.equal(egress.state, 'live');
    await egress.close();
    assert.equal(camera.branch, false, 'close stops the branch');
  });

  it('a stop during the backoff cancels the retry; a failed start leaves it off with the reason', async () => {
    const { camera, egress } = setup();
    await egress.start(URL_);
    camera.send({ state: 'failed', bytes_sent: 0, error: 'Connection refused' });
    await egress.stop();
    await sleep(120);
    assert.equal(camera.starts(), 1);

    camera.nextStartError = new CameradError('bad_request', `url: cannot use ${URL_}`);
    await assert.rejects(egress.start(URL_), (error: Error) => {
      assert.ok(error instanceof CameradError && error.code === 'bad_request');
      assert.ok(!error.message.includes(KEY), error.message);
      return true;
    });
    assert.equal(egress.state, 'off');
    assert.ok(!(egress.status().last_error ?? '').includes(KEY));
    await assert.rejects(egress.start('http://x/live/k'), /rtmp:\/\//);
    await egress.close();
  });

  it('replaces a branch camerad still runs (busy) instead of failing', async () => {
    const { camera, egress } = setup();
    camera.branch = true; // left over, e.g. from a previous server attached to this camerad
    const status = await egress.start(URL_);
    assert.equal(status.state, 'connecting');
    assert.deepEqual(camera.calls, [`start ${URL_}`, 'stop', `start ${URL_}`]);
    await sleep(10);
    assert.equal(egress.state, 'connecting', 'the stopped notification of the replaced branch is not a failure');
    await egress.close();
  });
});
