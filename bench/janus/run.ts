/**
 * `npm run bench:janus`: many viewers through Janus (docs/janus.md). The real server forwards one
 * 720p30 2.5 Mbit/s camera to a real Janus (Debian 1.1, started here with its own configuration in
 * a network namespace joined by a veth on 198.18.0.0/15: Janus never offers loopback ICE
 * candidates), and 1, 10, 25, 50 werift viewers (bench/fanout/loadgen.ts --protocol janus, bench/fanout's
 * load-generator protocol) watch the mountpoint with tokens the server mints. At each step:
 * the box's CPU (server + camerad, % of one core), Janus's CPU, and RTP packets lost at the
 * viewers over the window. The goal: the box's CPU at 50 viewers within 10 % of its value at
 * 1 viewer (the box sends one stream whatever the audience), and no loss.
 *
 * Needs root (network namespaces). Human summary on stdout, then one JSON line last
 * (`{"steps": [{"viewers", "box_cpu_pct", "janus_cpu_pct", "packets_lost", "valid"}, …]}`);
 * progress on stderr. Exit 1 when something fails, 2 on bad arguments.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, onInterrupt } from '../../test/helpers/cleanup.js';
import { Janus } from '../../test/helpers/Janus.js';
import { TestNetwork } from '../../test/helpers/TestNetwork.js';
import { BenchServer } from '../lib/BenchServer.js';
import { testPatternCamera } from '../lib/TestPatternStream.js';
import { CpuWindow } from '../lib/CpuWindow.js';
import { HostCpuWindow } from '../lib/HostCpuWindow.js';
import { udpDrops } from '../lib/udpDrops.js';
import { gitRevision, machineInfo } from '../lib/machine.js';
import { printJsonLine, printTable, progress as benchProgress } from '../lib/report.js';
import { LoadgenProcess } from '../fanout/LoadgenProcess.js';
import type { ViewerStats } from '../fanout/LoadgenProtocol.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** A step whose load generators used more than this much of one core, all together, is invalid, %. */
const LOADGEN_CPU_LIMIT_PCT = 70;
const progress = (m: string): void => benchProgress('bench:janus', m);

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1,10,25,50' },
    'measure-s': { type: 'string', default: '15' },
    'settle-s': { type: 'string', default: '3' },
    'viewers-per-loadgen': { type: 'string', default: '25' },
    help: { type: 'boolean', short: 'h' },
  },
});
const usage =
  'usage: npm run bench:janus -- [--steps 1,10,25,50] [--measure-s 15] [--settle-s 3] [--viewers-per-loadgen 25]';
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const steps = values.steps.split(',').map(Number);
const measureS = Number(values['measure-s']);
const settleS = Number(values['settle-s']);
const perLoadgen = Number(values['viewers-per-loadgen']);
if (
  steps.some((s, i) => !(s > 0) || (i > 0 && s <= steps[i - 1]!)) ||
  !(measureS > 0) ||
  !(settleS >= 0) ||
  !(perLoadgen > 0)
) {
  process.stderr.write(`bench:janus: bad arguments\n${usage}\n`);
  process.exit(2);
}
const stream = { width: 1280, height: 720, fps: 30, bitrateKbps: 2500, keyframeInterval: 60, pattern: 'smpte' };

let net: TestNetwork | undefined;
let janus: Janus | undefined;
let server: BenchServer | undefined;
const loadgens: LoadgenProcess[] = [];

async function stopAll(): Promise<void> {
  await Promise.allSettled(loadgens.map((l) => l.stop()));
  await server?.stop();
  await janus?.close();
  await net?.close();
}

interface Step {
  viewers: number;
  box_cpu_pct: number;
  server_cpu_pct: number;
  camerad_cpu_pct: number;
  janus_cpu_pct: number;
  loadgen_cpu_pct: number;
  packets_lost: number;
  packets_received: number;
  /** Datagrams the kernel dropped on full load-generator sockets in the window (the viewers' machine was too slow). */
  loadgen_udp_drops: number;
  /** Datagrams the kernel dropped on full sockets in Janus's namespace in the window (Janus too slow to read). */
  janus_udp_drops: number;
  /** RTP packets the server's forwarder did not send to Janus in the window (no mountpoint, queue full). */
  forward_dropped: number;
  viewers_receiving: number;
  kbps_per_viewer: number;
  host_busy_pct: number;
  host_steal_pct: number;
  valid: boolean;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function snapshot(): Promise<ViewerStats[]> {
  return (await Promise.all(loadgens.map((l) => l.snapshot()))).flat();
}

/** Drops of every UDP socket in the network namespace of `pid` (Janus is alone in its namespace). */
function namespaceUdpDrops(pid: number): number {
  return readFileSync(`/proc/${pid}/net/udp`, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .reduce((total, cols) => total + (cols.length >= 13 ? Number(cols[12]) : 0), 0);
}

/** Packets the server's Janus forwarder dropped so far (`outputs.janus.cameras[0].dropped`). */
async function forwardDropped(s: BenchServer): Promise<number> {
  const status = (await (await fetch(`${s.url}/api/status`)).json()) as {
    outputs?: { janus?: { cameras: { dropped: number }[] } };
  };
  return status.outputs?.janus?.cameras[0]?.dropped ?? 0;
}

async function main(): Promise<void> {
  const skip = TestNetwork.skipReason();
  if (skip) throw new Error(`needs network namespaces: ${skip}`);
  net = new TestNetwork('jbench');
  const ns = await net.addNamespace('janus');
  const link = await net.link(null, ns);
  await net.addRoute(ns, 'default', link.a.address);
  janus = await Janus.start(net, ns, { address: link.b.address });
  progress(`janus ${janus.apiUrl} (pid ${janus.pid})`);
  server = await BenchServer.start({
    root,
    camera: testPatternCamera('bench', stream),
    env: {
      ECS_VISION__ENABLED: 'false',
      ECS_OUTPUTS__JANUS__API_URL: janus.apiUrl,
      ECS_OUTPUTS__JANUS__ADMIN_URL: janus.adminUrl,
      ECS_OUTPUTS__JANUS__ADMIN_SECRET: janus.adminSecret,
      ECS_OUTPUTS__JANUS__STREAMING_ADMIN_KEY: janus.streamingAdminKey,
      ECS_OUTPUTS__JANUS__PUBLIC_URL: janus.apiUrl,
      ECS_LIMITS__WHEP_PER_ADDRESS__POINTS: '100000',
    },
  });
  const mintUrl = `${server.url}/api/cameras/bench/janus`;
  for (let i = 0; ; i++) {
    const s = (await (await fetch(`${server.url}/api/status`)).json()) as { outputs?: { janus?: { state: string } } };
    if (s.outputs?.janus?.state === 'up') break;
    if (i > 300) throw new Error(`the Janus forward did not come up: ${JSON.stringify(s.outputs)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  progress(`server ${server.url}, Janus forward up`);
  const results: Step[] = [];
  let present = 0;
  for (const target of steps) {
    // Fill load generators one after the other, `perLoadgen` viewers each.
    while (present < target) {
      let lg = loadgens.at(-1);
      if (!lg || lg.viewers >= perLoadgen) {
        lg = await LoadgenProcess.start({
          root,
          url: mintUrl,
          name: `janus-loadgen-${loadgens.length}`,
          protocol: 'janus',
        });
        loadgens.push(lg);
      }
      const n = Math.min(target - present, perLoadgen - lg.viewers);
      lg.add(n);
      present += n;
    }
    progress(`${target} viewers: waiting until each receives RTP`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const errors = loadgens.flatMap((l) => l.errors);
      if (errors.length > 0) throw new Error(errors.join('\n'));
      const all = await snapshot();
      if (all.length === target && all.every((v) => v.packets > 0)) break;
      if (Date.now() > deadline) {
        throw new Error(`${all.filter((v) => v.packets > 0).length}/${target} viewers receive RTP after 60 s`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, settleS * 1000));
    const camera = await server.camera();
    if (!camera?.pid) throw new Error('camerad is not running');
    const before = await snapshot();
    const dropsBefore = udpDrops(loadgens.map((l) => l.pid));
    const janusDropsBefore = namespaceUdpDrops(janus.pid);
    const forwardBefore = await forwardDropped(server);
    const host = new HostCpuWindow();
    const serverCpu = new CpuWindow([server.process.pid]);
    const cameradCpu = new CpuWindow([camera.pid]);
    const janusCpu = new CpuWindow([janus.pid]);
    const loadgenCpu = new CpuWindow(loadgens.map((l) => l.pid));
    const startedAt = performance.now();
    await new Promise((r) => setTimeout(r, measureS * 1000));
    const s = serverCpu.pct();
    const c = cameradCpu.pct();
    const j = janusCpu.pct();
    const l = loadgenCpu.pct();
    const h = host.finish();
    const windowS = (performance.now() - startedAt) / 1000;
    const after = await snapshot();
    const dropsAfter = udpDrops(loadgens.map((l) => l.pid));
    const janusDropsAfter = namespaceUdpDrops(janus.pid);
    const forwardAfter = await forwardDropped(server);
    const sum = (list: ViewerStats[], key: 'packets' | 'lost' | 'bytes'): number =>
      list.reduce((t, v) => t + v[key], 0);
    const step: Step = {
      viewers: target,
      box_cpu_pct: round(s + c),
      server_cpu_pct: round(s),
      camerad_cpu_pct: round(c),
      janus_cpu_pct: round(j),
      loadgen_cpu_pct: round(l),
      packets_lost: sum(after, 'lost') - sum(before, 'lost'),
      packets_received: sum(after, 'packets') - sum(before, 'packets'),
      loadgen_udp_drops: dropsAfter - dropsBefore,
      forward_dropped: forwardAfter - forwardBefore,
      janus_udp_drops: janusDropsAfter - janusDropsBefore,
      viewers_receiving: after.filter((v, i) => v.packets > (before[i]?.packets ?? 0)).length,
      kbps_per_viewer: round(((sum(after, 'bytes') - sum(before, 'bytes')) * 8) / 1000 / windowS / target, 0),
      host_busy_pct: round(h.busyPct),
      host_steal_pct: round(h.stealPct),
      valid: l <= LOADGEN_CPU_LIMIT_PCT && after.length === target,
    };
    results.push(step);
    progress(JSON.stringify(step));
  }
  const first = results[0]!;
  const last = results.at(-1)!;
  const report = {
    bench: 'janus',
    git: gitRevision(root),
    machine: machineInfo(),
    stream,
    measure_s: measureS,
    loadgen_cpu_limit_pct: LOADGEN_CPU_LIMIT_PCT,
    goals: {
      /** Box CPU (server + camerad) at the largest step over the first, minus 1; goal ≤ 0.10. */
      box_cpu_growth: round(last.box_cpu_pct / Math.max(first.box_cpu_pct, 0.1) - 1, 3),
      box_cpu_within_10pct: last.box_cpu_pct <= first.box_cpu_pct * 1.1,
      lossless: results.every((r) => r.packets_lost === 0),
    },
    steps: results,
  };
  printTable(
    [
      'viewers',
      'box %',
      'server %',
      'camerad %',
      'janus %',
      'loadgen %',
      'lost',
      'loadgen drops',
      'received',
      'kbit/s/viewer',
      'host busy %',
      'valid',
    ],
    results.map((r) => [
      r.viewers,
      r.box_cpu_pct,
      r.server_cpu_pct,
      r.camerad_cpu_pct,
      r.janus_cpu_pct,
      r.loadgen_cpu_pct,
      r.packets_lost,
      r.loadgen_udp_drops,
      r.packets_received,
      r.kbps_per_viewer,
      r.host_busy_pct,
      r.valid ? 'yes' : 'no',
    ]),
  );
  process.stdout.write(
    `box CPU ${first.box_cpu_pct} % at ${first.viewers} viewer(s), ${last.box_cpu_pct} % at ${last.viewers} ` +
      `(${report.goals.box_cpu_within_10pct ? 'within' : 'NOT within'} 10 %); ` +
      `packets lost: ${results.map((r) => r.packets_lost).join(', ')}\n`,
  );
  printJsonLine(report);
}

installCleanup();
onInterrupt(stopAll);
main().then(
  () => stopAll(),
  async (error: unknown) => {
    process.stderr.write(`bench:janus: ${(error as Error).message}\n`);
    await stopAll();
    process.exit(1);
  },
);
