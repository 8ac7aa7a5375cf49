import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cameradSchema } from '../../media/camerad/cameradConfig.js';
import { CameradSupervisor } from '../../media/camerad/CameradSupervisor.js';
import { InvalidStateError } from '../../media/core/errors.js';
import { projectRoot } from '../../server/config/projectRoot.js';
import { testLogger } from '../helpers/logger.js';
import { waitFor } from '../helpers/weriftClient.js';

const binary = join(projectRoot(), 'native/build/camerad');
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

describe(
  'CameradSupervisor with the real camerad',
  { skip: existsSync(binary) ? false : `camerad not built at ${binary} (npm run build:native)` },
  () => {
    it('restarts camerad after SIGKILL, rejecting requests pending on the dead channel', async () => {
      const sup = supervisor('kill', 'test://');
      try {
        sup.start();
        await sup.waitRunning(20_000);
        const pid = sup.pid!;
        assert.deepEqual(await sup.request('ping'), {});
        const pending = sup.request('stats');
        process.kill(pid, 'SIGKILL');
        await pending.then(
          () => undefined, // answered before the kill landed: allowed
          (error: unknown) => assert.ok(error instanceof InvalidStateError, String(error)),
        );
        await waitFor(
          () => sup.state === 'running' && sup.pid !== undefined && sup.pid !== pid,
          20_000,
          'a new camerad',
        );
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
  },
);
