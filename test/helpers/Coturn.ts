import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StartedProcess, stopGroup } from './processes.js';
import type { TestNetwork } from './TestNetwork.js';

/** Options of {@link Coturn.start}. */
export interface CoturnOptions {
  /** Address (of a TestNetwork link) it listens and relays on; loopback peers are refused by coturn. */
  address: string;
  /** `static-auth-secret` (use-auth-secret, TURN REST API). */
  secret: string;
  /** UDP port for STUN/TURN; default 3478. */
  port?: number;
}

/**
 * Debian's coturn `turnserver`, started by a test inside a test network namespace with its own
 * configuration file (0600, in a private temporary folder: the secret is never in argv),
 * `use-auth-secret`, no CLI, no TLS/DTLS listeners, its own SQLite file and log file (never
 * the system's /var/lib/turn or /var/log). {@link close} stops it (idempotent).
 */
export class Coturn {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly process: StartedProcess,
    private readonly dir: string,
    /** The address it listens and relays on. */
    readonly address: string,
    /** The UDP port it listens on. */
    readonly port: number,
  ) {}

  /**
   * Starts turnserver in `ns` and waits until its UDP listener is open.
   * @throws Error with the log's tail when it exits or does not open its listener within 10 s
   */
  static async start(net: TestNetwork, ns: string, options: CoturnOptions): Promise<Coturn> {
    const dir = mkdtempSync(join(tmpdir(), 'coturn-'));
    const port = options.port ?? 3478;
    const conf = join(dir, 'turnserver.conf');
    writeFileSync(
      conf,
      [
        `listening-ip=${options.address}`,
        `relay-ip=${options.address}`,
        `listening-port=${port}`,
        'min-port=49152',
        'max-port=49407',
        'use-auth-secret',
        `static-auth-secret=${options.secret}`,
        'realm=test.invalid',
        'fingerprint',
        'no-cli',
        'no-tls',
        'no-dtls',
        'no-multicast-peers',
        'no-software-attribute',
        'verbose',
        'simple-log',
        `log-file=${join(dir, 'turn.log')}`,
        `userdb=${join(dir, 'turndb')}`,
        `pidfile=${join(dir, 'turn.pid')}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const process = await net.spawn(ns, 'turnserver', ['turnserver', '-c', conf]);
    const coturn = new Coturn(process, dir, options.address, port);
    const deadline = Date.now() + 10_000;
    while (!coturn.log().includes(`UDP listener opened on: ${options.address}:${port}`)) {
      if (process.child.exitCode !== null || Date.now() > deadline) {
        const log = coturn.log();
        await coturn.close();
        throw new Error(`turnserver did not open its listener:\n${process.output()}\n${log.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return coturn;
  }

  /** The turnserver process id (`ip netns exec` execs it, so it keeps the spawned pid). */
  get pid(): number {
    return this.process.pid;
  }

  /** `turn:<address>:<port>?transport=udp`. */
  get url(): string {
    return `turn:${this.address}:${this.port}?transport=udp`;
  }

  /** The log file so far ('' before it exists). */
  log(): string {
    const file = join(this.dir, 'turn.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Log lines naming TURN user `username` (coturn writes `user <name>` on every request it processes). */
  linesOf(username: string): string[] {
    return this.log()
      .split('\n')
      .filter((l) => l.includes(`<${username}>`));
  }

  /** Stops turnserver and removes its folder (config, log, database). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await stopGroup(this.process, 3000);
      rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.closing;
  }
}
