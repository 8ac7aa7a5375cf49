import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cameradSchema } from '../../media/camerad/cameradConfig.js';
import { CameradSupervisor } from '../../media/camerad/CameradSupervisor.js';
import { InvalidStateError } from '../../media/core/errors.js';
import { requireCamerad } from '../helpers/camerad.js';
import { testLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/weriftClient.js';

/** A missing build fails this file with the build command (never a skip). */
const binary = requireCamerad();
const dir = mkdtempSync(join(tmpdir(), 'ecs-sup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The `camerad` section's defaults. */
const CAMERAD = cameradSchema.parse({});

function supervisor(id: string, source: string): CameradSupervisor {
  const socketPath = join(dir, `${id}.sock`);
  return new CameradSupervisor(
    {
      cameraId: id,
      mode: 'spawn',
      binary,
      socketPath,
      args: [
        `--camera=${id}`,
        `--source=${source}`,
        '--width=320',
        '--height=240',
        '--fps=15',
        '--rtp-port=17004',
        `--control=${socketPath}`,
      ],
      backoffInitialMs: 100,
      backoffMaxMs: CAMERAD.backoffMaxMs,
    },
    testLogger,
  );
}

/** The state letter of a process (`/proc/PID/stat`, field 3): `T` once SIGSTOP has taken hold. */
function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

describe('CameradSupervisor with the real camerad', () => {
  it('restarts camerad after SIGKILL, rejecting requests pending on the dead channel', async () => {
    const sup = supervisor('kill', 'test://');
    try {
      sup.start();
      await sup.waitRunning(20_000);
      const pid = sup.pid!;
      assert.deepEqual(await sup.request('ping'), {});
      // Stopped first, camerad cannot answer the request before it dies: the request must be
      // rejected by the channel closing (not by its 5 s timeout, not answered).
      process.kill(pid, 'SIGSTOP');
      await waitFor(() => procState(pid) === 'T', 10_000, 'camerad stopped');
      const pending = sup.request('stats');
      process.kill(pid, 'SIGKILL');
      await assert.rejects(pending, (error: unknown) => {
        assert.ok(error instanceof InvalidStateError, String(error));
        assert.match(error.message, /Channel closed/);
        return true;
      });
      await waitFor(() => sup.state === 'running' && sup.pid !== undefined && sup.pid !== pid, 20_000, 'a new camerad');
      assert.equal(sup.restarts, 1);
      assert.equal((await sup.request('keyframe')).keyframe_requests, 1);
    } finally {
      await sup.close();
    }
    assert.equal(sup.state, 'stopped');
    await sup.close(); // idempotent
  });

  it('does not restart after a configuration error, and keeps camerad’s message', async () => {
    const sup = supervisor('bad', 'foo://nothing');
    try {
      sup.start();
      await assert.rejects(sup.waitRunning(20_000), /source: unknown scheme/);
      assert.equal(sup.state, 'failed');
      assert.equal(sup.restarts, 0);
      await assert.rejects(sup.request('ping'), InvalidStateError);
    } finally {
      await sup.close();
    }
  });

  it('reports a missing binary as a failure with a build hint', async () => {
    const sup = new CameradSupervisor(
      {
        cameraId: 'nobin',
        mode: 'spawn',
        binary: join(dir, 'missing'),
        args: [],
        socketPath: join(dir, 'x.sock'),
        backoffInitialMs: CAMERAD.backoffInitialMs,
        backoffMaxMs: CAMERAD.backoffMaxMs,
      },
      testLogger,
    );
    sup.start();
    await assert.rejects(sup.waitRunning(10_000), /build:native/);
    await sup.close();
  });
});
