import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  HOST_CAPTURE_STATUS_FILE,
  HostCaptureServiceFile,
  hostCaptureLostReason,
} from '../../media/camera/HostCaptureServiceFile.js';

/** A status file as tools/host-capture writes it (`status()`), with `overrides`. */
function report(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    program: 'host-capture',
    version: 1,
    pid: 4242,
    host: 'pi',
    folder: '/srv/capture',
    command: 'rpicam-still',
    state: 'running',
    started: '2026-12-05T00:00:00Z',
    updated: '2026-12-05T00:01:00Z',
    updated_ms: 1_000_000,
    interval_s: 1,
    captures: 60,
    failures: 0,
    consecutive_failures: 0,
    retry_in_s: 0,
    rate_per_s_last_minute: 1,
    captures_last_minute: 60,
    last_capture: null,
    last_error: null,
    errors: [],
    disk: {},
    ...overrides,
  };
}

/** Waits until the reader's read in flight has finished (bounded: 10 s). */
async function settled(reader: HostCaptureServiceFile): Promise<void> {
  const end = Date.now() + 10_000;
  while (reader.reading) {
    if (Date.now() > end) throw new Error('the status file read did not finish');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('host-capture’s status file, as a dir:// camera reads it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-hc-status-'));
  const file = join(dir, HOST_CAPTURE_STATUS_FILE);
  let now = 1_000_500;
  const reader = new HostCaptureServiceFile(dir, () => now);
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads nothing from a folder without one (a plain drop folder)', async () => {
    assert.equal(await reader.refresh(), null);
    assert.equal(hostCaptureLostReason(null), null);
  });

  it('gives the failing command’s reason, exit code and the last line of its stderr', async () => {
    const failing = report({
      state: 'backoff',
      consecutive_failures: 3,
      last_error: {
        time: '2026-12-05T00:01:00Z',
        sequence: 61,
        reason: 'exit code 255',
        exit_code: 255,
        stderr_tail: 'Preview window unavailable\nERROR: *** no cameras available ***\n',
        consecutive: 3,
        retry_in_s: 4,
      },
    });
    writeFileSync(file, JSON.stringify(failing));
    const service = await reader.refresh();
    assert.deepEqual(service, {
      state: 'backoff',
      consecutive_failures: 3,
      updated_at: new Date(1_000_000).toISOString(),
      updated_age_ms: 500,
      interval_s: 1,
      last_error: {
        time: '2026-12-05T00:01:00Z',
        reason: 'exit code 255',
        exit_code: 255,
        stderr: 'ERROR: *** no cameras available ***',
      },
    });
    assert.equal(hostCaptureLostReason(service), 'host-capture: exit code 255 (ERROR: *** no cameras available ***)');
    // The age is taken when asked, not frozen at the read: between reads it keeps growing.
    now += 1000;
    assert.equal(reader.current()?.updated_age_ms, 1500);
    now -= 1000;
  });

  it('says so when the service stopped, or its status is older than 3 intervals and 30 s', () => {
    const base = {
      state: 'running',
      consecutive_failures: 0,
      updated_at: '',
      updated_age_ms: 1000,
      interval_s: 1,
      last_error: null,
    };
    assert.equal(hostCaptureLostReason(base), null, 'fresh and healthy: camerad’s reason alone');
    assert.match(hostCaptureLostReason({ ...base, state: 'stopped' })!, /capture service has stopped/);
    assert.match(hostCaptureLostReason({ ...base, updated_age_ms: 31_000 })!, /not updated for 31 s/);
    // A time-lapse of one image a minute writes its status once a minute: not stale at 2 min.
    assert.equal(hostCaptureLostReason({ ...base, interval_s: 60, updated_age_ms: 120_000 }), null);
  });

  it('reads a malformed, foreign or oversized file as none', async () => {
    writeFileSync(file, '{"program": "host-capture", "state"');
    assert.equal(await reader.refresh(), null);
    writeFileSync(file, JSON.stringify(report({ program: 'something-else' })));
    assert.equal(await reader.refresh(), null);
    writeFileSync(file, JSON.stringify(report({ errors: ['x'.repeat(70 * 1024)] })));
    assert.equal(await reader.refresh(), null);
  });

  it('re-reads at most every 2 s, answering from the last read meanwhile', async () => {
    writeFileSync(file, JSON.stringify(report()));
    const fresh = new HostCaptureServiceFile(dir, () => now);
    assert.equal(fresh.current(), null, 'the first call starts a read');
    await settled(fresh);
    assert.equal(fresh.current()?.state, 'running');
    writeFileSync(file, JSON.stringify(report({ state: 'stopped' })));
    now += 1000;
    assert.equal(fresh.current()?.state, 'running', 'within 2 s: the last read');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fresh.current()?.state, 'running');
    now += 1500;
    fresh.current(); // due: starts a read
    await settled(fresh);
    assert.equal(fresh.current()?.state, 'stopped');
  });
});
