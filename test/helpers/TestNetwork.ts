import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import { type StartedProcess, startProcess, stopGroup } from './processes.js';

const run = promisify(execFile);

/** One end of a veth pair made by {@link TestNetwork.link}. */
export interface LinkEnd {
  /** Namespace holding this end; null for the namespace the test process runs in. */
  ns: string | null;
  /** Interface name (at most 15 characters), unique in its namespace. */
  ifname: string;
  /** IPv4 address of this end, without prefix length, e.g. `198.18.3.1`. */
  address: string;
}

/** A veth pair joining two namespaces, with its own /24 out of 198.18.0.0/15 (RFC 2544). */
export interface Link {
  /** The pair's subnet, e.g. `198.18.3.0/24`. */
  subnet: string;
  /** First end: address `.1` of the subnet. */
  a: LinkEnd;
  /** Second end: address `.2` of the subnet. */
  b: LinkEnd;
}

/** One nftables rule of a {@link TestNetwork.filter}: match, optional named counter, optional verdict. */
export interface NftRule {
  /** nft match expression, e.g. `udp dport 53`, `meta l4proto udp`, `ip saddr 198.18.2.2`. */
  match: string;
  /** Counts matching packets under this name (letters, digits, `_`); read back with {@link TestNetwork.counters}. */
  counter?: string;
  /** What happens to a matching packet; none: evaluation continues with the next rule. */
  verdict?: 'accept' | 'drop';
}

/** Packets and bytes of one named counter. */
export interface Counter {
  packets: number;
  bytes: number;
}

/** An nftables table installed by {@link TestNetwork.filter}. */
interface InstalledFilter {
  ns: string | null;
  table: string;
}

/** Processes and allocations that outlive one instance: veth names and subnets must not repeat. */
let nextLink = 0;
let nextNamespace = 0;
let nextTable = 0;
/** Instances holding the `unreachable 198.18.0.0/15` route of the test's own namespace. */
let rangeRouteUsers = 0;

/**
 * Network namespaces for one test, joined to the namespace the test runs in (scripts/netns-run.sh
 * makes one per run) and to each other by veth pairs addressed out of 198.18.0.0/15, the RFC 2544
 * benchmarking range, so that no address of a real network is ever used. Each namespace has only
 * `lo` (up) and the links made here: no default route, IPv6 off (no router solicitation or DAD
 * packets), and `/etc/netns/NAME/resolv.conf` naming 127.0.0.1, where nothing listens, so nothing
 * run inside through `ip netns exec` can resolve a name. Optional nftables filters on a veth end
 * drop and count packets ({@link filter}, {@link counters}). In the test's own namespace the rest
 * of 198.18.0.0/15 is made unreachable, so nothing for the range takes the default route.
 *
 * Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for `ip netns`): check {@link skipReason} first and
 * pass its string to `t.skip`. {@link close} removes everything (idempotent); call it in `after`.
 *
 * Typical use:
 * ```ts
 * const reason = TestNetwork.skipReason({ nft: true });
 * if (reason) return t.skip(reason);
 * const net = new TestNetwork('turn');
 * const viewer = await net.addNamespace('viewer');
 * const link = await net.link(null, viewer); // link.a.address on this side, link.b.address in viewer
 * await net.filter(link.a, [{ match: 'meta l4proto udp', counter: 'udp', verdict: 'drop' }]);
 * const { browser } = await net.launchChromium(viewer);
 * ```
 */
export class TestNetwork {
  /** Namespaces made here, in order of creation. */
  private readonly namespaces: string[] = [];
  /** Veth ends left in the test's own namespace (deleted on close; the namespaces take theirs with them). */
  private readonly hostLinks: string[] = [];
  private readonly filters: InstalledFilter[] = [];
  private readonly processes: StartedProcess[] = [];
  private readonly browsers: Browser[] = [];
  private tempDir: string | undefined;
  private closing: Promise<void> | undefined;
  /** This instance counts in {@link rangeRouteUsers}. */
  private holdsRangeRoute = false;

  /**
   * @param label short name (letters, digits) put in the namespace names, e.g. `turn` gives
   *   `tn-<pid>-turn-viewer-0`; it tells whose namespaces are left over after a crash.
   */
  constructor(private readonly label = 'net') {}

  /**
   * Why this machine cannot run namespace tests, or undefined when it can: not root, `ip netns`
   * missing or refused (no CAP_SYS_ADMIN), with `nft: true` the `nft` command missing or nf_tables
   * refused, with `chromium: true` no Chromium at `CHROMIUM_PATH` or /usr/bin/chromium.
   * Synchronous, so that it can also feed `test(name, { skip })`.
   */
  static skipReason(needs: { nft?: boolean; chromium?: boolean } = {}): string | undefined {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
      return 'needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) to create network namespaces';
    }
    const probe = `tn-probe-${process.pid}`;
    const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
    if (add.error || add.status !== 0) {
      return `ip netns is unavailable: ${add.error?.message ?? add.stderr.trim()}`;
    }
    spawnSync('ip', ['netns', 'del', probe]);
    if (needs.nft) {
      const nft = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' });
      if (nft.error || nft.status !== 0) {
        return `nftables is unavailable (package nftables): ${nft.error?.message ?? nft.stderr.trim()}`;
      }
    }
    if (needs.chromium) {
      const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
      const version = spawnSync(chromium, ['--version'], { encoding: 'utf8' });
      if (version.error || version.status !== 0) return `no Chromium at ${chromium}`;
    }
    return undefined;
  }

  /**
   * Creates a namespace with `lo` up, IPv6 off and a resolv.conf naming 127.0.0.1.
   * @param label letters and digits, e.g. `viewer`
   * @returns the namespace's name, for {@link link}, {@link exec}, {@link spawn}, {@link launchChromium}
   * @throws Error when `ip` fails (e.g. not root)
   */
  async addNamespace(label: string): Promise<string> {
    this.assertOpen();
    const name = `tn-${process.pid}-${this.label}-${label}-${nextNamespace++}`;
    await run('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    mkdirSync(`/etc/netns/${name}`, { recursive: true });
    writeFileSync(`/etc/netns/${name}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
    await this.exec(name, [
      'sysctl',
      '-qw',
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
    ]);
    await this.exec(name, ['ip', 'link', 'set', 'lo', 'up']);
    return name;
  }

  /**
   * Joins two namespaces by a veth pair with the next free /24 of 198.18.0.0/15: end `a` gets
   * `.1`, end `b` gets `.2`, both up. Each side can then reach the other's address directly;
   * anything further needs {@link addRoute} (and {@link setForwarding} in the namespace between).
   * @param a namespace of the first end (from {@link addNamespace}), or null for the test's own
   * @param b namespace of the second end, or null for the test's own
   * @throws Error when `ip` fails or the 512 subnets of the range are used up in this process
   */
  async link(a: string | null, b: string | null): Promise<Link> {
    this.assertOpen();
    const k = nextLink++;
    if (k >= 512) throw new Error('TestNetwork: the 512 /24 subnets of 198.18.0.0/15 are used up');
    const prefix = `198.${18 + Math.floor(k / 256)}.${k % 256}`;
    const base = `t${process.pid.toString(36)}x${k}`;
    const ends: [LinkEnd, LinkEnd] = [
      { ns: a, ifname: `${base}a`, address: `${prefix}.1` },
      { ns: b, ifname: `${base}b`, address: `${prefix}.2` },
    ];
    if (a === null || b === null) await this.holdRangeRoute();
    await run('ip', ['link', 'add', ends[0].ifname, 'type', 'veth', 'peer', 'name', ends[1].ifname]);
    for (const end of ends) {
      if (end.ns === null) this.hostLinks.push(end.ifname);
      else await run('ip', ['link', 'set', end.ifname, 'netns', end.ns]);
    }
    for (const end of ends) {
      // -e: no such key where IPv6 is compiled out; then no IPv6 packet is sent anyway
      await this.exec(end.ns, ['sysctl', '-qew', `net.ipv6.conf.${end.ifname}.disable_ipv6=1`]);
      await this.exec(end.ns, ['ip', 'addr', 'add', `${end.address}/24`, 'dev', end.ifname]);
      await this.exec(end.ns, ['ip', 'link', 'set', end.ifname, 'up']);
    }
    return { subnet: `${prefix}.0/24`, a: ends[0], b: ends[1] };
  }

  /**
   * Makes 198.18.0.0/15 unreachable in the test's own namespace, except the /24s of its links
   * (more specific, so they win): a packet for an address of a link this side is not on fails
   * here (EHOSTUNREACH) instead of leaving by the default route, e.g. a full-ICE agent trying
   * every pair. Shared by the instances of this process; removed when the last one closes.
   */
  private async holdRangeRoute(): Promise<void> {
    if (this.holdsRangeRoute) return;
    this.holdsRangeRoute = true;
    if (rangeRouteUsers++ === 0) await run('ip', ['route', 'replace', 'unreachable', '198.18.0.0/15']);
  }

  /**
   * Adds a route in a namespace, e.g. `addRoute(viewer, '198.18.0.0/24', '198.18.1.1')`.
   * @param ns namespace (null: the test's own)
   * @param destination CIDR
   * @param via next hop, an address on one of the namespace's links
   */
  async addRoute(ns: string | null, destination: string, via: string): Promise<void> {
    this.assertOpen();
    await this.exec(ns, ['ip', 'route', 'add', destination, 'via', via]);
  }

  /**
   * Turns IPv4 forwarding on or off in a namespace made here (never in the test's own, which may be
   * the machine's), so that it routes between its links.
   */
  async setForwarding(ns: string, on = true): Promise<void> {
    this.assertOpen();
    if (!this.namespaces.includes(ns)) throw new Error(`TestNetwork: ${ns} was not made by this TestNetwork`);
    await this.exec(ns, ['sysctl', '-qw', `net.ipv4.ip_forward=${on ? 1 : 0}`]);
  }

  /**
   * Installs nftables rules on the ingress of one veth end (a `netdev` table in that end's
   * namespace), so they see every packet arriving at that end, i.e. sent from the other end.
   * Filter both ends of a {@link Link} to see both directions. Rules run in order; a rule
   * without a verdict lets evaluation continue, so counting rules go before dropping ones, e.g.
   * `[{ match: 'udp dport 53', counter: 'dns' }, { match: 'meta l4proto udp', counter: 'udp', verdict: 'drop' }]`.
   * @throws Error when nft refuses the rules (its message names the token)
   */
  async filter(end: LinkEnd, rules: NftRule[]): Promise<void> {
    this.assertOpen();
    const table = `tn_${process.pid}_${nextTable++}`;
    const counters = [...new Set(rules.flatMap((r) => (r.counter ? [r.counter] : [])))];
    for (const name of counters) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`TestNetwork: bad counter name ${name}`);
    }
    const script = [
      `table netdev ${table} {`,
      ...counters.map((name) => `  counter c_${name} {}`),
      `  chain ingress { type filter hook ingress device "${end.ifname}" priority 0;`,
      ...rules.map(
        (r) => `    ${r.match}${r.counter ? ` counter name "c_${r.counter}"` : ''}${r.verdict ? ` ${r.verdict}` : ''}`,
      ),
      '  }',
      '}',
      '',
    ].join('\n');
    const dir = this.scratch();
    const file = join(dir, `${table}.nft`);
    writeFileSync(file, script);
    await this.exec(end.ns, ['nft', '-f', file]);
    this.filters.push({ ns: end.ns, table });
  }

  /**
   * Reads every named counter of every {@link filter}, summed by name across filters (so a name
   * used on both ends of a link counts both directions).
   * @returns e.g. `{ udp: { packets: 12, bytes: 1480 }, dns: { packets: 0, bytes: 0 } }`
   */
  async counters(): Promise<Record<string, Counter>> {
    const out: Record<string, Counter> = {};
    for (const f of this.filters) {
      const { stdout } = await this.exec(f.ns, ['nft', '-j', 'list', 'counters', 'table', 'netdev', f.table]);
      const json = JSON.parse(stdout) as { nftables: { counter?: { name: string; packets: number; bytes: number } }[] };
      for (const item of json.nftables) {
        if (!item.counter) continue;
        const name = item.counter.name.replace(/^c_/, '');
        const sum = (out[name] ??= { packets: 0, bytes: 0 });
        sum.packets += item.counter.packets;
        sum.bytes += item.counter.bytes;
      }
    }
    return out;
  }

  /**
   * Runs a command to completion in a namespace (`ip netns exec NS argv…`; null: directly).
   * @returns its stdout and stderr
   * @throws Error (with stderr) when it exits non-zero or runs past `timeoutMs` (default 30 s)
   */
  async exec(ns: string | null, argv: string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string }> {
    const [command, ...args] = ns === null ? argv : ['ip', 'netns', 'exec', ns, ...argv];
    return run(command!, args, { timeout: timeoutMs, maxBuffer: 16 << 20 });
  }

  /**
   * Starts a long-running process in a namespace (processes.ts `startProcess`: own process group,
   * output kept). It is stopped by {@link close} if the test has not stopped it with `stopGroup`.
   * @param name short name for messages, e.g. `turnserver`
   */
  async spawn(ns: string, name: string, argv: string[], options: { cwd?: string } = {}): Promise<StartedProcess> {
    this.assertOpen();
    const started = await startProcess(name, 'ip', ['netns', 'exec', ns, ...argv], {
      cwd: options.cwd ?? process.cwd(),
    });
    this.processes.push(started);
    return started;
  }

  /**
   * Launches Chromium (the flags of browser.ts `launchChromium`) inside a namespace: playwright
   * starts a wrapper script that execs `ip netns exec NS chromium "$@"`, so the browser's process
   * keeps playwright's pipe and is killed by `browser.close()`. Its resolver rules also let it
   * reach 198.18.0.0/15 (IP literals only; names still resolve to nothing). The browser is closed by
   * {@link close} too. `extraArgs` are added to the flags (e.g. a certificate's SPKI allow-list).
   *
   * WebRTC: without a media permission Chromium signals only the host candidate of the default
   * route's interface; in a namespace without a default route it gathers on unsignalled 0.0.0.0
   * sockets only (relay candidates still work). Give the namespace a default route
   * (`addRoute(ns, 'default', <a link's address>)`, towards a namespace that does not forward)
   * when its offers must carry host candidates.
   */
  async launchChromium(
    ns: string,
    extraArgs: string[] = [],
  ): Promise<{ browser: Browser; close: () => Promise<void> }> {
    this.assertOpen();
    const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    const wrapper = join(this.scratch(), `chromium-${ns}`);
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec '${ns}' '${chromium}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    const launched = await launchChromium({ executablePath: wrapper, allowHosts: ['198.18.*', '198.19.*'], extraArgs });
    this.browsers.push(launched.browser);
    return launched;
  }

  /**
   * Removes everything made here: closes browsers, stops processes (and kills whatever else runs
   * in the namespaces), deletes nftables tables, veth pairs, namespaces, their /etc/netns folders
   * and the scratch folder. Idempotent; errors of already-removed parts are ignored.
   */
  close(): Promise<void> {
    this.closing ??= this.teardown();
    return this.closing;
  }

  private async teardown(): Promise<void> {
    await Promise.allSettled(this.browsers.map((b) => b.close()));
    await Promise.allSettled(this.processes.map((p) => stopGroup(p, 2000)));
    for (const ns of this.namespaces) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
      for (const pid of pids.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
    }
    for (const f of this.filters.filter((f) => f.ns === null)) {
      spawnSync('nft', ['delete', 'table', 'netdev', f.table]);
    }
    // deleting one end deletes the pair; namespaces release theirs asynchronously, so delete here
    for (const ifname of this.hostLinks) spawnSync('ip', ['link', 'del', ifname], { stdio: 'ignore' });
    if (this.holdsRangeRoute && --rangeRouteUsers === 0) {
      spawnSync('ip', ['route', 'del', 'unreachable', '198.18.0.0/15'], { stdio: 'ignore' });
    }
    for (const ns of this.namespaces) {
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }

  /** A private temporary folder for wrapper scripts and nft files, made on first use. */
  private scratch(): string {
    this.tempDir ??= mkdtempSync(join(tmpdir(), 'testnet-'));
    return this.tempDir;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('TestNetwork: closed');
  }
}
