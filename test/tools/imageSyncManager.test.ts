import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  statfsSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  FIXTURES,
  HOST_CAPTURE,
  PYTHON,
  REPO,
  SYNC_MANAGER,
  pollUntil,
  runPython,
  statusOf,
} from '../helpers/hostCapture.js';
import { trackGroup, untrackGroup } from '../helpers/cleanup.js';

const IS_ROOT = process.getuid?.() === 0;
const IMAGE_BYTES = 128 * 1024;
const MiB = 1024 * 1024;

/** One entry of the manager's kept history. */
interface Action {
  action: string;
  target?: string;
  reason?: string;
  deleted_images?: number;
  cleared?: boolean;
}

/** The manager's --status. */
interface ManagerStatus {
  checks: number;
  restarts: Record<string, number>;
  cleanups: number;
  deleted_images: number;
  history: Action[];
  last_check: { healthy: boolean; capture: { healthy: boolean; unit_state?: string; problem?: string } } | null;
}

/** Free bytes for an unprivileged writer, as the manager counts them (statvfs f_bavail). */
function freeBytes(folder: string): number {
  const st = statfsSync(folder);
  return st.bavail * st.bsize;
}

/** Image names in live/, oldest first (by modification time as the manager orders them). */
function images(folder: string): string[] {
  return readdirSync(join(folder, 'live'))
    .map((name) => ({ name, mtime: statSync(join(folder, 'live', name)).mtimeMs }))
    .sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name))
    .map((f) => f.name);
}

describe('image-sync-manager (tools/host-capture)', () => {
  let dir = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'image-sync-manager-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'cleans a full tmpfs shared folder oldest first until free space clears its threshold, never the newest image',
    { skip: IS_ROOT ? false : 'not root: cannot mount a small tmpfs as the shared folder (mount -t tmpfs)' },
    async () => {
      const folder = join(dir, 'shared');
      mkdirSync(folder);
      const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', folder], { encoding: 'utf8' });
      assert.equal(mount.status, 0, `mount: ${mount.stderr}`);
      try {
        mkdirSync(join(folder, 'live'));
        mkdirSync(join(folder, 'metadata'));
        // 50 images of 128 KiB with their metadata, one a second apart: 6.25 MiB of 8.
        const t0 = Math.floor(Date.now() / 1000) - 100;
        const names: string[] = [];
        for (let i = 1; i <= 50; i++) {
          const stem = `20261204T2200${String(i).padStart(2, '0')}000Z-${String(i).padStart(8, '0')}`;
          const body = Buffer.alloc(IMAGE_BYTES, i);
          body.writeUInt16BE(0xffd8, 0);
          body.writeUInt16BE(0xffd9, IMAGE_BYTES - 2);
          writeFileSync(join(folder, 'live', `${stem}.jpg`), body);
          writeFileSync(join(folder, 'metadata', `${stem}.json`), JSON.stringify({ name: stem, sequence: i }));
          utimesSync(join(folder, 'live', `${stem}.jpg`), t0 + i, t0 + i);
          names.push(`${stem}.jpg`);
        }
        const threshold = 3 * MiB;
        assert.ok(freeBytes(folder) < threshold, 'the folder starts below the threshold');
        const stateFile = join(dir, 'state-clean', 'status.json');
        const base = [
          '--folder',
          folder,
          '--capture-unit',
          '',
          '--container-check',
          'none',
          '--min-free-percent',
          '0',
          '--status-file',
          stateFile,
        ];
        const run = await runPython(SYNC_MANAGER, [...base, '--min-free-bytes', '3M', '--once']);
        assert.equal(run.code, 0, run.stderr);
        const left = images(folder);
        const deleted = 50 - left.length;
        assert.ok(deleted > 0, 'images were deleted');
        assert.deepEqual(left, names.slice(deleted), 'the oldest went first');
        const free = freeBytes(folder);
        assert.ok(free >= threshold, `${free} bytes free ≥ ${threshold}`);
        assert.ok(free - IMAGE_BYTES < threshold, 'it stopped once the threshold cleared');
        const metadata = readdirSync(join(folder, 'metadata')).sort();
        assert.deepEqual(
          metadata,
          left.map((n) => n.replace(/\.jpg$/, '.json')),
          'metadata deleted with its image',
        );
        let status = (await statusOf(SYNC_MANAGER, base)) as unknown as ManagerStatus;
        assert.equal(status.cleanups, 1);
        assert.equal(status.deleted_images, deleted);
        assert.deepEqual(
          { ...status.history.at(-1), time: undefined },
          {
            time: undefined,
            action: 'cleanup',
            deleted_images: deleted,
            deleted_bytes: deleted * IMAGE_BYTES,
            free_bytes: free,
            threshold_bytes: threshold,
            cleared: true,
          },
        );

        // A threshold nothing can reach: everything but the newest image goes, and it says so.
        const hopeless = await runPython(SYNC_MANAGER, [...base, '--min-free-bytes', '8M', '--once']);
        assert.equal(hopeless.code, 1, 'unhealthy: the threshold did not clear');
        assert.deepEqual(images(folder), [names.at(-1)], 'the newest image stays');
        assert.deepEqual(readdirSync(join(folder, 'metadata')), [names.at(-1)!.replace(/\.jpg$/, '.json')]);
        assert.match(hopeless.stderr, /still below: only the newest image is left/);
        status = (await statusOf(SYNC_MANAGER, base)) as unknown as ManagerStatus;
        assert.equal(status.cleanups, 2);
        assert.equal(status.history.at(-1)!.cleared, false);
      } finally {
        const umount = spawnSync('umount', [folder], { encoding: 'utf8' });
        if (umount.status !== 0) spawnSync('umount', ['-l', folder]); // never leave it mounted
        assert.equal(umount.status, 0, `umount: ${umount.stderr}`);
      }
    },
  );

  it('restarts a killed capture service through a systemctl stand-in chosen by its settings, within its hourly limit', async () => {
    const folder = join(dir, 'restart');
    const state = join(dir, 'units');
    mkdirSync(state);
    const unit = 'host-capture.service';
    const gst =
      'gst-launch-1.0 -q videotestsrc num-buffers=1 ! video/x-raw,width={width},height={height} ! jpegenc ! filesink location={output}';
    writeFileSync(
      join(state, `${unit}.json`),
      JSON.stringify({
        argv: [
          PYTHON,
          HOST_CAPTURE,
          '--folder',
          folder,
          '--command',
          gst,
          '--width',
          '160',
          '--height',
          '120',
          '--interval',
          '0.2',
        ],
      }),
    );
    const systemctl = `${PYTHON} ${join(FIXTURES, 'systemctl-standin.py')} --state ${state}`;
    const config = join(dir, 'manager.conf');
    writeFileSync(
      config,
      [
        '[image-sync-manager]',
        `folder = ${folder}`,
        `capture_unit = ${unit}`,
        `systemctl = ${systemctl}`,
        'container_check = none',
        'max_image_age = 30',
        'min_free_bytes = 0',
        'min_free_percent = 0',
        'max_restarts_per_hour = 1',
        `status_file = ${join(dir, 'state-restart', 'status.json')}`,
        '',
      ].join('\n'),
    );
    const pidFile = join(state, `${unit}.pid`);
    const pid = (): number => Number(readFileSync(pidFile, 'utf8'));
    const standin = (verb: string): SpawnSyncReturns<string> =>
      spawnSync(PYTHON, [join(FIXTURES, 'systemctl-standin.py'), '--state', state, verb, unit], { encoding: 'utf8' });
    const liveCount = (): number => (existsSync(join(folder, 'live')) ? readdirSync(join(folder, 'live')).length : 0);
    try {
      assert.equal(standin('start').status, 0);
      const first = trackGroup(pid());
      await pollUntil(() => (liveCount() > 0 ? true : undefined), 'the first image');
      // Healthy: nothing to do.
      const quiet = await runPython(SYNC_MANAGER, ['--config', config, '--once']);
      assert.equal(quiet.code, 0, quiet.stderr);
      let status = (await statusOf(SYNC_MANAGER, ['--config', config])) as unknown as ManagerStatus;
      assert.deepEqual(status.restarts, {});
      assert.equal(status.last_check!.capture.unit_state, 'active');

      process.kill(first, 'SIGKILL');
      await pollUntil(() => (standin('is-active').status === 3 ? true : undefined), 'the unit to show failed');
      const repair = await runPython(SYNC_MANAGER, ['--config', config, '--once']);
      assert.equal(repair.code, 0, repair.stderr);
      assert.match(repair.stderr, /restarted host-capture\.service: unit host-capture\.service is failed/);
      const second = pid();
      untrackGroup(first);
      trackGroup(second);
      assert.notEqual(second, first);
      assert.equal(standin('is-active').status, 0, 'running again');
      const before = liveCount();
      await pollUntil(() => (liveCount() > before ? true : undefined), 'new images after the restart');
      assert.match(readFileSync(join(state, 'calls.log'), 'utf8'), /^restart host-capture\.service$/m);
      status = (await statusOf(SYNC_MANAGER, ['--config', config])) as unknown as ManagerStatus;
      assert.deepEqual(status.restarts, { [unit]: 1 });
      assert.deepEqual(
        { action: status.history.at(-1)!.action, target: status.history.at(-1)!.target },
        { action: 'restart', target: unit },
      );

      // A second failure in the same hour: over the limit of 1, refused and logged.
      process.kill(second, 'SIGKILL');
      await pollUntil(() => (standin('is-active').status === 3 ? true : undefined), 'the unit to show failed again');
      const refused = await runPython(SYNC_MANAGER, ['--config', config, '--once']);
      assert.equal(refused.code, 1, 'unhealthy and not repaired');
      assert.match(refused.stderr, /restarted 1 times in the last hour: not restarting/);
      status = (await statusOf(SYNC_MANAGER, ['--config', config])) as unknown as ManagerStatus;
      assert.equal(status.history.at(-1)!.action, 'restart-refused');
      assert.deepEqual(status.restarts, { [unit]: 1 });
      assert.equal(standin('is-active').status, 3, 'left stopped');
      untrackGroup(second);
    } finally {
      standin('stop');
    }
  });

  /**
   * A capture unit of the systemctl stand-in whose process only sleeps, and a manager config
   * watching it (no container, no disk check), in folders named after `name`.
   */
  const sleeperUnit = (
    name: string,
    maxImageAge: number,
  ): { state: string; config: string; standin: (verb: string) => SpawnSyncReturns<string> } => {
    const state = join(dir, `units-${name}`);
    mkdirSync(state);
    mkdirSync(join(dir, name, 'live'), { recursive: true });
    const unit = 'host-capture.service';
    writeFileSync(
      join(state, `${unit}.json`),
      JSON.stringify({ argv: [PYTHON, '-c', 'import time; time.sleep(120)'] }),
    );
    const config = join(dir, `manager-${name}.conf`);
    writeFileSync(
      config,
      [
        '[image-sync-manager]',
        `folder = ${join(dir, name)}`,
        `capture_unit = ${unit}`,
        `systemctl = ${PYTHON} ${join(FIXTURES, 'systemctl-standin.py')} --state ${state}`,
        'container_check = none',
        `max_image_age = ${maxImageAge}`,
        'min_free_bytes = 0',
        'min_free_percent = 0',
        `status_file = ${join(dir, `state-${name}`, 'status.json')}`,
        '',
      ].join('\n'),
    );
    const standin = (verb: string): SpawnSyncReturns<string> =>
      spawnSync(PYTHON, [join(FIXTURES, 'systemctl-standin.py'), '--state', state, verb, unit], { encoding: 'utf8' });
    return { state, config, standin };
  };

  it('leaves a capture service stopped on purpose (inactive) alone, and says so', async () => {
    const { state, config, standin } = sleeperUnit('stopped', 0);
    try {
      assert.equal(standin('start').status, 0);
      assert.equal(standin('stop').status, 0);
      assert.equal(standin('is-active').stdout.trim(), 'inactive');
      const run = await runPython(SYNC_MANAGER, ['--config', config, '--once']);
      assert.equal(run.code, 1, 'reported as unhealthy');
      assert.match(run.stderr, /unit host-capture\.service is inactive: stopped on purpose .*not restarted/);
      const calls = readFileSync(join(state, 'calls.log'), 'utf8');
      assert.doesNotMatch(calls, /^restart /m, 'no restart');
      assert.equal(calls.match(/^start /gm)?.length, 1, 'started once, by the test');
      const status = (await statusOf(SYNC_MANAGER, ['--config', config])) as unknown as ManagerStatus;
      assert.deepEqual(status.restarts, {});
      assert.equal(status.last_check!.capture.unit_state, 'inactive');
      assert.equal(standin('is-active').status, 3, 'still stopped');
    } finally {
      standin('stop');
    }
  });

  it('leaves a reloading capture service alone even when its images are stale (is-active exits 0 for it)', async () => {
    // No image at all in live/: stale, which alone would get an active unit restarted.
    const { state, config, standin } = sleeperUnit('reloading', 1);
    try {
      assert.equal(standin('start').status, 0);
      assert.equal(standin('reload').status, 0);
      const isActive = standin('is-active');
      assert.equal(isActive.stdout.trim(), 'reloading');
      assert.equal(isActive.status, 0, 'is-active exits 0 for reloading, as systemctl');
      const run = await runPython(SYNC_MANAGER, ['--config', config, '--once']);
      assert.equal(run.code, 1, 'reported as unhealthy');
      assert.match(run.stderr, /unit host-capture\.service is reloading: systemd is reloading it; not restarted/);
      const calls = readFileSync(join(state, 'calls.log'), 'utf8');
      assert.doesNotMatch(calls, /^restart /m, 'no restart');
      const status = (await statusOf(SYNC_MANAGER, ['--config', config])) as unknown as ManagerStatus;
      assert.deepEqual(status.restarts, {});
      assert.equal(status.last_check!.capture.unit_state, 'reloading');
    } finally {
      standin('stop');
    }
  });

  it('restarts a capture service that runs but whose newest image is older than max_image_age', async () => {
    const folder = join(dir, 'stale');
    const state = join(dir, 'units-stale');
    mkdirSync(join(folder, 'live'), { recursive: true });
    mkdirSync(state);
    const unit = 'host-capture.service';
    // A unit that is active but captures nothing (a hung camera), and a 100 s old image.
    writeFileSync(
      join(state, `${unit}.json`),
      JSON.stringify({ argv: [PYTHON, '-c', 'import time; time.sleep(600)'] }),
    );
    const image = join(folder, 'live', '20261204T220000000Z-00000001.jpg');
    writeFileSync(image, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    const old = Date.now() / 1000 - 100;
    utimesSync(image, old, old);
    const standinArgs = [join(FIXTURES, 'systemctl-standin.py'), '--state', state];
    assert.equal(spawnSync(PYTHON, [...standinArgs, 'start', unit]).status, 0);
    const pidFile = join(state, `${unit}.pid`);
    const first = trackGroup(Number(readFileSync(pidFile, 'utf8')));
    const args = [
      '--folder',
      folder,
      '--systemctl',
      `${PYTHON} ${standinArgs.join(' ')}`,
      '--max-image-age',
      '30',
      '--container-check',
      'none',
      '--min-free-bytes',
      '0',
      '--min-free-percent',
      '0',
      '--status-file',
      join(dir, 'state-stale', 'status.json'),
    ];
    try {
      const run = await runPython(SYNC_MANAGER, [...args, '--once']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /restarted host-capture\.service: newest image is 1\d\d\.\d s old \(limit 30 s\)/);
      const second = trackGroup(Number(readFileSync(pidFile, 'utf8')));
      assert.notEqual(second, first, 'a new process');
      const status = (await statusOf(SYNC_MANAGER, args)) as unknown as ManagerStatus;
      assert.deepEqual(status.restarts, { [unit]: 1 });
      assert.match(status.last_check!.capture.problem!, /newest image is/);
      untrackGroup(second);
    } finally {
      spawnSync(PYTHON, [...standinArgs, 'stop', unit]);
      untrackGroup(first);
    }
  });

  it('restarts the container when the server health URL answers 503, through a docker stand-in', async () => {
    const { createServer } = await import('node:http');
    let healthy = false;
    const server = createServer((_req, res) => {
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: healthy, reason: healthy ? undefined : 'camera cam1: no signal' }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    mkdirSync(join(dir, 'container'));
    const calls = join(dir, 'docker-calls.log');
    // docker stand-in: records its arguments (the test then makes the health URL answer 200).
    const docker = join(dir, 'docker-standin.py');
    writeFileSync(docker, `import sys\nopen(${JSON.stringify(calls)}, "a").write(" ".join(sys.argv[1:]) + "\\n")\n`);
    const args = [
      '--folder',
      join(dir, 'container'),
      '--capture-unit',
      '',
      '--container-check',
      'http',
      '--health-url',
      `http://127.0.0.1:${port}/api/health`,
      '--docker',
      `${PYTHON} ${docker}`,
      '--container',
      'camserver',
      '--min-free-bytes',
      '0',
      '--min-free-percent',
      '0',
      '--status-file',
      join(dir, 'state-container', 'status.json'),
    ];
    try {
      const run = await runPython(SYNC_MANAGER, [...args, '--once']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /restarted container:camserver: .*answered 503/);
      assert.equal(readFileSync(calls, 'utf8'), 'restart camserver\n');
      healthy = true;
      const fine = await runPython(SYNC_MANAGER, [...args, '--once']);
      assert.equal(fine.code, 0, fine.stderr);
      assert.equal(readFileSync(calls, 'utf8'), 'restart camserver\n', 'no restart while healthy');
      const status = (await statusOf(SYNC_MANAGER, args)) as unknown as ManagerStatus;
      assert.deepEqual(status.restarts, { 'container:camserver': 1 });
      assert.equal(status.checks, 2);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('restarts the container when docker inspect reports it unhealthy or stopped, through a docker stand-in', async () => {
    const folder = join(dir, 'docker');
    mkdirSync(folder);
    const state = join(dir, 'docker-state.json');
    const args = [
      '--folder',
      folder,
      '--capture-unit',
      '',
      '--container-check',
      'docker',
      '--docker',
      `${PYTHON} ${join(FIXTURES, 'docker-standin.py')} --state ${state}`,
      '--container',
      'camserver',
      '--min-free-bytes',
      '0',
      '--min-free-percent',
      '0',
      '--status-file',
      join(dir, 'state-docker', 'status.json'),
    ];
    const calls = (): string[] => readFileSync(`${state}.calls`, 'utf8').trim().split('\n');
    writeFileSync(state, JSON.stringify({ status: 'running', health: 'unhealthy' }));
    const sick = await runPython(SYNC_MANAGER, [...args, '--once']);
    assert.equal(sick.code, 0, sick.stderr);
    assert.match(sick.stderr, /restarted container:camserver: container camserver is unhealthy/);
    assert.equal(calls().at(-1), 'restart camserver');
    const healthy = await runPython(SYNC_MANAGER, [...args, '--once']);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.match(calls().at(-1)!, /^inspect --format .* camserver$/, 'healthy: inspected, not restarted');
    writeFileSync(state, JSON.stringify({ status: 'exited', health: '' }));
    const stopped = await runPython(SYNC_MANAGER, [...args, '--once']);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stderr, /container camserver is exited/);
    const status = (await statusOf(SYNC_MANAGER, args)) as unknown as ManagerStatus;
    assert.deepEqual(status.restarts, { 'container:camserver': 2 });
  });

  it('installs under a temporary --root units that systemd-analyze verify accepts, and uninstalls them', async (t) => {
    const analyze = '/usr/bin/systemd-analyze';
    if (!existsSync(analyze)) {
      t.skip('systemd-analyze is not installed (Debian package systemd)');
      return;
    }
    const root = join(dir, 'root');
    mkdirSync(root);
    const install = spawnSync(
      'bash',
      [join(REPO, 'tools/host-capture/install.sh'), '--root', root, '--user', 'camera', '--folder', '/srv/capture'],
      { encoding: 'utf8' },
    );
    assert.equal(install.status, 0, install.stderr);
    const units = ['host-capture.service', 'image-sync-manager.service', 'image-sync-manager.timer'];
    for (const unit of units) {
      const text = readFileSync(join(root, 'etc/systemd/system', unit), 'utf8');
      assert.doesNotMatch(text, /@[A-Z]+@/, `${unit}: every placeholder filled in`);
    }
    assert.match(readFileSync(join(root, 'etc/systemd/system/host-capture.service'), 'utf8'), /^User=camera$/m);
    assert.match(readFileSync(join(root, 'etc/host-capture/host-capture.conf'), 'utf8'), /^folder = \/srv\/capture$/m);
    assert.ok(existsSync(join(root, 'srv/capture')));
    // The installed programs run (help lists their settings).
    const help = await runPython(join(root, 'usr/local/bin/host-capture'), ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--max-images/);
    // systemd-analyze resolves units and ExecStart= inside --root: it needs the distribution's
    // units there too (sysinit.target, timers.target ...), copied, as links would point outside.
    mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
    assert.equal(spawnSync('cp', ['-a', '/lib/systemd/system', join(root, 'usr/lib/systemd/')]).status, 0);
    const verify = (): SpawnSyncReturns<string> =>
      spawnSync(analyze, ['verify', '--man=no', `--root=${root}`, ...units], { encoding: 'utf8' });
    const good = verify();
    assert.equal(good.status, 0, `systemd-analyze verify: ${good.stderr}`);
    assert.equal(good.stderr, '', 'no warnings');
    // It does check: without the program, ExecStart= fails verification.
    rmSync(join(root, 'usr/local/bin/host-capture'));
    const bad = verify();
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /host-capture is not executable/);

    const uninstall = spawnSync(
      'bash',
      [join(REPO, 'tools/host-capture/uninstall.sh'), '--root', root, '--folder', '/srv/capture', '--purge'],
      { encoding: 'utf8' },
    );
    assert.equal(uninstall.status, 0, uninstall.stderr);
    for (const path of [
      'usr/local/bin/image-sync-manager',
      'usr/local/share/doc/host-capture',
      'etc/host-capture',
      'srv/capture',
      ...units.map((u) => `etc/systemd/system/${u}`),
    ]) {
      assert.equal(existsSync(join(root, path)), false, `${path} removed`);
    }
  });
});
