import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pino from 'pino';
import { projectRoot } from '../../server/config/projectRoot.js';
import { freeTcpPort, freeUdpPort } from '../helpers/freePort.js';
import { startTestServer } from '../helpers/testServer.js';
import { waitFor } from '../helpers/weriftClient.js';

/**
 * Attack: read the camera's RTSP password (`hunter2`) from what the server shows or leaves behind
 * — HTTP responses, log lines (the server's at trace level, camerad's at debug level with
 * GStreamer's own debug log on), files in the runtime and data folders, `/proc/PID/cmdline` of
 * every process and `/proc/PID/environ` of the server and its camerads — while one camera
 * streams from a password-protected RTSP server and others fail.
 */

const PASSWORD = 'hunter2';
const BASIC = Buffer.from(`admin:${PASSWORD}`).toString('base64'); // what rtspsrc sends (RFC 7617)
const TOKEN = 'viewer-token-of-at-least-32-characters';
const ROOT = projectRoot();
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function leaks(text: string): boolean {
  return text.includes(PASSWORD) || text.includes(BASIC);
}

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** `/proc/<pid>/<file>` of every process that is readable, as text. */
function procFiles(file: 'cmdline' | 'environ', pids?: number[]): Map<number, string> {
  const out = new Map<number, string>();
  const all =
    pids ??
    readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  for (const pid of all) {
    try {
      out.set(pid, readFileSync(`/proc/${pid}/${file}`).toString('latin1'));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

describe('security: the RTSP password never leaks (item 7)', { timeout: 180_000 }, () => {
  let rtsp: ChildProcess | undefined;
  let ctx: Awaited<ReturnType<typeof startTestServer>> | undefined;
  const lines: string[] = [];
  let goodSource = '';
  let badSource = '';
  const brokenSource = `rtsp:///cam?password=${PASSWORD}`; // camerad refuses it (exit 2) and quotes it
  const savedGstDebug = process.env.GST_DEBUG;

  before(async () => {
    // A live, password-protected RTSP server (the password comes on stdin, not in its argv).
    const rtspPort = await freeTcpPort();
    rtsp = spawn(PYTHON, [join(ROOT, 'test/helpers/rtsp_server.py'), String(rtspPort), '320x240', '15', '-'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    rtsp.stdin!.end(`admin:${PASSWORD}\n`);
    let ready = '';
    rtsp.stdout!.on('data', (d: Buffer) => (ready += d.toString()));
    await waitFor(() => ready.includes('ready') || rtsp!.exitCode !== null, 15_000, 'rtsp_server.py');
    assert.ok(ready.includes('ready'), 'rtsp_server.py is listening');
    goodSource = `rtsp://admin:${PASSWORD}@127.0.0.1:${rtspPort}/test`;
    badSource = `rtsp://admin:${PASSWORD}@127.0.0.1:${await freeTcpPort()}/cam`; // nothing listens there

    // camerad inherits the environment: GStreamer's own debug log (which quotes the URI) on.
    process.env.GST_DEBUG = 'rtspsrc:6,rtspconnection:6,uridecodebin:5';
    process.env.GST_DEBUG_NO_COLOR = '1';
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    ctx = await startTestServer(
      {
        ECS_SERVER__TOKEN: TOKEN,
        ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
        ECS_LOG__LEVEL: 'trace',
        ECS_CAMERAS: JSON.stringify([
          {
            id: 'good',
            source: goodSource,
            width: 320,
            height: 240,
            fps: 15,
            bitrateKbps: 300,
            rtpPort: await freeUdpPort(),
          },
          {
            id: 'bad',
            source: badSource,
            width: 320,
            height: 240,
            fps: 15,
            bitrateKbps: 300,
            rtpPort: await freeUdpPort(),
          },
          { id: 'broken', source: brokenSource, width: 320, height: 240, fps: 15, rtpPort: await freeUdpPort() },
        ]),
      },
      logger,
    );
    const cams = ctx.server.cameras;
    await cams.get('good')!.supervisor.waitRunning(30_000);
    await cams.get('bad')!.supervisor.waitRunning(30_000);
    await waitFor(() => cams.get('good')!.status().source_state === 'live', 30_000, 'good source live');
    await waitFor(() => cams.get('bad')!.status().source_state === 'lost', 30_000, 'bad source lost');
    await waitFor(() => cams.get('broken')!.supervisor.state === 'failed', 30_000, 'broken camera failed');
    // Let the failing source retry a few times (each retry logs GStreamer's error again).
    await waitFor(
      () => lines.filter((l) => l.includes('"camera":"bad"') && l.includes('restarting source')).length >= 2,
      30_000,
      'the bad source retried twice',
    );
  });

  after(async () => {
    await ctx?.close();
    rtsp?.kill('SIGTERM');
    if (savedGstDebug === undefined) delete process.env.GST_DEBUG;
    else process.env.GST_DEBUG = savedGstDebug;
    delete process.env.GST_DEBUG_NO_COLOR;
  });

  it('/api/status shows the sources masked and the refused one’s error masked; no response quotes it', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const res = await fetch(`${ctx!.url}/api/status`, { headers: auth });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!leaks(text), text);
    const status = JSON.parse(text) as { cameras: { id: string; source: string; last_error: string | null }[] };
    const byId = new Map(status.cameras.map((c) => [c.id, c]));
    assert.equal(byId.get('good')!.source, goodSource.replace(`:${PASSWORD}@`, ':***@'));
    assert.equal(byId.get('bad')!.source, badSource.replace(`:${PASSWORD}@`, ':***@'));
    assert.equal(byId.get('broken')!.source, 'rtsp:///cam?password=***');
    assert.match(
      byId.get('broken')!.last_error ?? '',
      /source: rtsp URI has no host: "rtsp:\/\/\/cam\?password=\*\*\*"/,
    );
    // Error answers too.
    const others = [
      await fetch(`${ctx!.url}/api/status?token=wrong`),
      await fetch(`${ctx!.url}/api/health`),
      await fetch(`${ctx!.url}/api/openapi.json`),
      await fetch(`${ctx!.url}/whep/bad`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/sdp' },
        body: 'v=0\r\n',
      }),
      await fetch(`${ctx!.url}/api/record/start`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"camera":"bad"}',
      }),
    ];
    for (const other of others) assert.ok(!leaks(await other.text()), `${other.url} ${other.status}`);
  });

  it('no log line holds it: the server’s at trace, camerad’s at debug with GStreamer’s debug log', () => {
    const all = lines.join('');
    const leaking = lines.filter(leaks);
    assert.deepEqual(leaking, [], 'lines with the password');
    // The test sees what it must: the masked URIs and GStreamer's own lines that quote them.
    assert.ok(all.includes('admin:***@127.0.0.1'), 'camerad logged the masked URI');
    assert.ok(/gstrtspsrc\.c.*admin:\*\*\*@/.test(all), 'GStreamer debug lines (redacted) reached the log');
    assert.ok(all.includes('password=***'), 'the refused source is quoted masked');
  });

  it('no file in the runtime and data folders except the 0600 source files; folders 0700', () => {
    const runtimeDir = ctx!.config.camerad.runtimeDir;
    assert.equal(statSync(runtimeDir).mode & 0o777, 0o700);
    assert.equal(statSync(ctx!.config.storage.dataDir).mode & 0o777, 0o700);
    const sourceFiles = new Set(['good', 'bad', 'broken'].map((id) => join(runtimeDir, `camerad-${id}.source`)));
    for (const file of filesUnder(runtimeDir)) {
      if (sourceFiles.has(file)) {
        assert.equal(statSync(file).mode & 0o777, 0o600, `${file} is 0600`);
        assert.ok(readFileSync(file, 'utf8').includes(PASSWORD), `${file} holds the source camerad reads`);
      } else {
        assert.ok(!leaks(readFileSync(file).toString('latin1')), `${file} holds the password`);
      }
    }
    for (const file of sourceFiles) assert.ok(existsSync(file), `${file} written`);
  });

  it('not in /proc/*/cmdline of any process, nor in /proc/PID/environ of the server and its camerads', () => {
    const pids = [...ctx!.server.cameras.values()].map((c) => c.supervisor.pid).filter((p) => p !== undefined);
    assert.equal(pids.length, 2, 'the two running camerads');
    for (const [pid, cmdline] of procFiles('cmdline')) assert.ok(!leaks(cmdline), `/proc/${pid}/cmdline`);
    const cmdlines = procFiles('cmdline', pids);
    for (const cmdline of cmdlines.values()) assert.match(cmdline, /--source-file=/);
    for (const [pid, environ] of procFiles('environ', [process.pid, ...pids]))
      assert.ok(!leaks(environ), `/proc/${pid}/environ`);
  });
});

describe('security: plan.js (entrypoint.sh, attach mode) writes no password into argv files', () => {
  it('argv and source files are 0600 in a 0700 runtime folder; only the source file holds the URI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-plan-'));
    try {
      const runtimeDir = join(dir, 'run');
      const source = `rtsp://admin:${PASSWORD}@127.0.0.1:1/cam`;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'server/cli/plan.ts')],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            ECS_CAMERAD__RUNTIME_DIR: runtimeDir,
            ECS_STORAGE__DATA_DIR: join(dir, 'state'),
            ECS_CAMERAS: JSON.stringify([{ id: 'cam', source }]),
          },
        },
      );
      const [id, , argvFile] = stdout.trim().split('\t');
      assert.equal(id, 'cam');
      assert.equal(statSync(runtimeDir).mode & 0o777, 0o700);
      assert.equal(statSync(argvFile!).mode & 0o777, 0o600);
      const argv = readFileSync(argvFile!, 'utf8').split('\0');
      assert.ok(!leaks(argv.join(' ')));
      const sourceFile = argv.find((a) => a.startsWith('--source-file='))!.slice('--source-file='.length);
      assert.equal(statSync(sourceFile).mode & 0o777, 0o600);
      assert.equal(readFileSync(sourceFile, 'utf8').trim(), source);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
