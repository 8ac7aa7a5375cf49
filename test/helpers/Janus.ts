import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGroup } from './cleanup.js';
import { type StartedProcess, stopGroup } from './processes.js';
import type { TestNetwork } from './TestNetwork.js';

const LIB = '/usr/lib/x86_64-linux-gnu/janus';
/** Every plugin but the Streaming plugin, every transport but HTTP, every logger and event handler. */
const DISABLED = {
  plugins: [
    'audiobridge',
    'duktape',
    'echotest',
    'lua',
    'nosip',
    'recordplay',
    'sip',
    'textroom',
    'videocall',
    'videoroom',
    'voicemail',
  ],
  transports: ['mqtt', 'nanomsg', 'pfunix', 'rabbitmq', 'websockets'],
  events: ['gelfevh', 'mqttevh', 'nanomsgevh', 'rabbitmqevh', 'sampleevh', 'wsevh'],
};
const list = (names: string[]) => names.map((n) => `libjanus_${n}.so`).join(',');

/** Options of {@link Janus.start}. */
export interface JanusOptions {
  /** Address of a TestNetwork link end in `ns` where its API, Admin API and media listen. */
  address: string;
}

/**
 * Debian's `janus` (1.1), started by a test inside a TestNetwork namespace with its own
 * configuration folder (`-F`, 0700, secrets in files, never in argv): `token_auth`, an
 * `admin_secret`, the HTTP API and the Admin API on the namespace's link address, the Streaming
 * plugin alone with an `admin_key` and no sample mountpoints, no STUN, no public-IP lookup, no
 * other plugin, transport, logger or event handler. Janus runs in a namespace because its ICE
 * never offers loopback candidates: the link address is its host candidate.
 * {@link kill} and {@link restart} (same ports) let a test take it down; {@link close} stops it
 * (idempotent).
 */
export class Janus {
  readonly adminSecret = randomBytes(12).toString('hex');
  readonly streamingAdminKey = randomBytes(12).toString('hex');
  readonly apiPort = 18088;
  readonly adminPort = 17088;
  #process: StartedProcess | undefined;
  #closing: Promise<void> | undefined;

  private constructor(
    private readonly net: TestNetwork,
    private readonly ns: string,
    private readonly dir: string,
    readonly address: string,
  ) {}

  /** `http://<address>:18088/janus`. */
  get apiUrl(): string {
    return `http://${this.address}:${this.apiPort}/janus`;
  }

  /** `http://<address>:17088/admin`. */
  get adminUrl(): string {
    return `http://${this.address}:${this.adminPort}/admin`;
  }

  /** The janus process id (`ip netns exec` execs it, so it keeps the spawned pid); 0 when not running. */
  get pid(): number {
    return this.#process?.pid ?? 0;
  }

  /**
   * Writes the configuration and starts Janus in `ns`, waiting until its API answers `info`.
   * @throws Error with its output when it exits or does not answer within 15 s.
   */
  static async start(net: TestNetwork, ns: string, options: JanusOptions): Promise<Janus> {
    const dir = mkdtempSync(join(tmpdir(), 'janus-'));
    const janus = new Janus(net, ns, dir, options.address);
    janus.#writeConfig();
    await janus.#spawn();
    return janus;
  }

  #writeConfig(): void {
    const file = (name: string, text: string) => writeFileSync(join(this.dir, name), text, { mode: 0o600 });
    file(
      'janus.jcfg',
      `general: {
  configs_folder = "${this.dir}"
  plugins_folder = "${LIB}/plugins"
  transports_folder = "${LIB}/transports"
  events_folder = "${LIB}/events"
  loggers_folder = "${LIB}/loggers"
  debug_level = 4
  admin_secret = "${this.adminSecret}"
  token_auth = true
  session_timeout = 60
  server_name = "test-janus"
}
certificates: {
}
media: {
  ipv6 = false
  rtp_port_range = "20000-20999"
}
nat: {
  nice_debug = false
  ignore_mdns = true
  ice_enforce_list = "${this.address}"
}
plugins: {
  disable = "${list(DISABLED.plugins)}"
}
transports: {
  disable = "${list(DISABLED.transports)}"
}
loggers: {
  disable = "libjanus_jsonlog.so"
}
events: {
  broadcast = false
  disable = "${list(DISABLED.events)}"
}
`,
    );
    file(
      'janus.transport.http.jcfg',
      `general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = ${this.apiPort}
  ip = "${this.address}"
  https = false
}
admin: {
  admin_base_path = "/admin"
  admin_http = true
  admin_port = ${this.adminPort}
  admin_ip = "${this.address}"
  admin_https = false
}
cors: {
}
`,
    );
    file(
      'janus.plugin.streaming.jcfg',
      `general: {
  admin_key = "${this.streamingAdminKey}"
  rtp_port_range = "21000-21999"
}
`,
    );
  }

  async #spawn(): Promise<void> {
    this.#process = await this.net.spawn(this.ns, 'janus', ['janus', '-F', this.dir]);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const up = await fetch(this.apiUrl, {
        method: 'POST',
        body: JSON.stringify({ janus: 'info', transaction: 'probe' }),
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return;
      if (this.#process.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`janus did not start:\n${this.#process.output().slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILLs Janus (sessions, mountpoints and tokens are lost). */
  async kill(): Promise<void> {
    const p = this.#process;
    if (!p) return;
    killGroup(p.pid);
    await p.exited;
    await stopGroup(p, 100);
  }

  /** Starts Janus again with the same configuration and ports. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  /**
   * A request through a fresh session of Janus's HTTP API with `token` (undefined: none) and a
   * Streaming plugin handle: the plugin request's reply data, or Janus's error `{ error_code, error }`.
   */
  async streaming(token: string | undefined, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const post = async (url: string, req: Record<string, unknown>) => {
      const res = await fetch(url, {
        method: 'POST',
        body: JSON.stringify({ ...req, transaction: randomBytes(6).toString('hex'), ...(token ? { token } : {}) }),
      });
      return (await res.json()) as {
        janus: string;
        data?: { id: number };
        error?: { code: number; reason: string };
        plugindata?: { data: Record<string, unknown> };
      };
    };
    const created = await post(this.apiUrl, { janus: 'create' });
    if (created.janus === 'error') return { error_code: created.error!.code, error: created.error!.reason };
    const session = created.data!.id;
    try {
      const attached = await post(`${this.apiUrl}/${session}`, { janus: 'attach', plugin: 'janus.plugin.streaming' });
      if (attached.janus === 'error') return { error_code: attached.error!.code, error: attached.error!.reason };
      const reply = await post(`${this.apiUrl}/${session}/${attached.data!.id}`, { janus: 'message', body });
      if (reply.janus === 'ack') {
        // An asynchronous request (watch): its answer is the session's next event.
        const q = new URLSearchParams({ maxev: '1', ...(token ? { token } : {}) });
        const events = (await (await fetch(`${this.apiUrl}/${session}?${q}`)).json()) as
          { plugindata?: { data: Record<string, unknown> } } | { plugindata?: { data: Record<string, unknown> } }[];
        const event = Array.isArray(events) ? events[0] : events;
        return event?.plugindata?.data ?? {};
      }
      return reply.plugindata?.data ?? { error_code: reply.error?.code, error: reply.error?.reason };
    } finally {
      await post(`${this.apiUrl}/${session}`, { janus: 'destroy' }).catch(() => undefined);
    }
  }

  /** Adds a token through the Admin API (for a test's own requests). */
  async addToken(token: string): Promise<void> {
    const res = await fetch(this.adminUrl, {
      method: 'POST',
      body: JSON.stringify({
        janus: 'add_token',
        token,
        plugins: ['janus.plugin.streaming'],
        transaction: 'add',
        admin_secret: this.adminSecret,
      }),
    });
    const reply = (await res.json()) as { janus: string };
    if (reply.janus !== 'success') throw new Error(`add_token: ${JSON.stringify(reply)}`);
  }

  /** Stops Janus and removes its folder. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await stopGroup(this.#process, 3000);
      rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.#closing;
  }
}
