import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NGINX } from './rtmpServer.js';
import { isRunning, startProcess, stopGroup, type StartedProcess } from './processes.js';

const run = promisify(execFile);

/** Options of {@link TlsProxy.start}. */
export interface TlsProxyOptions {
  /** Address the proxy listens on (a test-namespace address such as 198.18.0.1). */
  address: string;
  /** HTTPS port of the proxied box. */
  port: number;
  /** Path prefix the proxy serves the box under and strips, e.g. `/cam/` (leading and trailing slash). */
  prefix: string;
  /** The media server's HTTP port on 127.0.0.1. */
  upstreamPort: number;
  /**
   * A second HTTPS origin on the same address (another port) serving these files at `/`: the
   * page of a separate web app that embeds the player. Keys are file names, values their text.
   */
  secondOrigin?: { port: number; files: Record<string, string> };
}

/**
 * A TLS-terminating reverse proxy in front of the media server, as an operator runs it in front
 * of a box reached through a tunnel or one forwarded HTTPS port: Debian's nginx, HTTP/1.1 and
 * WebSocket upgrade only (no UDP), serving the box under a path prefix that it strips before
 * forwarding, with `X-Forwarded-For` / `X-Forwarded-Proto` for the server's `trustProxy`.
 *
 * The certificate (ECDSA P-256, for the listen address) is made at start with `openssl`; browsers
 * trust it through `--ignore-certificate-errors-spki-list=<spkiHash>` (Chromium), which keeps the
 * page a secure context. nginx runs in its own process group with everything in a temp folder;
 * `close()` stops it and removes the folder (idempotent).
 */
export class TlsProxy {
  /** `https://<address>:<port><prefix>`: the box's public URL. */
  readonly url: string;
  /** `https://<address>:<secondOrigin.port>` when a second origin is served. */
  readonly secondOriginUrl: string | undefined;
  /** base64 SHA-256 of the certificate's SubjectPublicKeyInfo (for Chromium's SPKI allow-list). */
  readonly spkiHash: string;
  readonly #dir: string;
  readonly #nginx: StartedProcess;
  #closed = false;

  private constructor(opts: TlsProxyOptions, dir: string, spkiHash: string, nginx: StartedProcess) {
    this.url = `https://${opts.address}:${opts.port}${opts.prefix}`;
    this.secondOriginUrl = opts.secondOrigin ? `https://${opts.address}:${opts.secondOrigin.port}` : undefined;
    this.spkiHash = spkiHash;
    this.#dir = dir;
    this.#nginx = nginx;
  }

  /** What is missing to run the proxy, or undefined. */
  static missing(): string | undefined {
    if (!existsSync(NGINX)) return `${NGINX} (package nginx)`;
    if (!existsSync('/usr/bin/openssl')) return '/usr/bin/openssl (package openssl)';
    return undefined;
  }

  /**
   * Makes the certificate, writes the config and starts nginx; resolves once it accepts
   * connections.
   * @throws Error when nginx or openssl is missing, or nginx does not start within 10 s (its log in the message).
   */
  static async start(opts: TlsProxyOptions): Promise<TlsProxy> {
    const missing = TlsProxy.missing();
    if (missing) throw new Error(`cannot run the TLS proxy: ${missing} is missing`);
    if (!/^\/([^/]+\/)*$/.test(opts.prefix)) throw new TypeError(`prefix "${opts.prefix}" must start and end with /`);
    const dir = await mkdtemp(join(tmpdir(), 'tls-proxy-'));
    try {
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=edge-camera test proxy',
        '-addext',
        `subjectAltName=IP:${opts.address}`,
        '-keyout',
        key,
        '-out',
        cert,
      ]);
      const der = (await run('openssl', ['x509', '-in', cert, '-pubkey', '-noout'])).stdout;
      const spkiDer = await new Promise<Buffer>((resolve, reject) => {
        const child = execFile('openssl', ['pkey', '-pubin', '-outform', 'DER'], { encoding: 'buffer' }, (e, out) =>
          e ? reject(e) : resolve(out),
        );
        child.stdin!.end(der);
      });
      const { createHash } = await import('node:crypto');
      const spkiHash = createHash('sha256').update(spkiDer).digest('base64');
      if (opts.secondOrigin) {
        await mkdir(join(dir, 'second'));
        for (const [name, text] of Object.entries(opts.secondOrigin.files)) {
          await writeFile(join(dir, 'second', name), text);
        }
      }
      const config = join(dir, 'nginx.conf');
      await writeFile(config, nginxConfig(dir, opts));
      const nginx = await startProcess('nginx', NGINX, ['-c', config, '-e', join(dir, 'error.log')], { cwd: dir });
      const proxy = new TlsProxy(opts, dir, spkiHash, nginx);
      await proxy.#waitListening(opts.address, opts.port, 10_000);
      return proxy;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** nginx's error and access logs so far. */
  logs(): string {
    const read = (name: string): string => {
      try {
        return readFileSync(join(this.#dir, name), 'utf8');
      } catch {
        return '';
      }
    };
    return `${read('error.log')}${read('access.log')}${this.#nginx.output()}`;
  }

  /** Stops nginx and removes its folder. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await stopGroup(this.#nginx, 3000);
    await rm(this.#dir, { recursive: true, force: true });
  }

  async #waitListening(address: string, port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const socket = connect(port, address);
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (ok) return;
      if (!isRunning(this.#nginx) || Date.now() > deadline) {
        const logs = this.logs();
        await this.close();
        throw new Error(`nginx not listening on ${address}:${port}:\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * nginx config: everything inside `dir`; the box under `prefix` (stripped: `proxy_pass` with a
 * URI replaces the matched prefix), WebSocket upgrades passed through, no response buffering
 * (MJPEG, the WebSocket video), long read timeouts; the second origin as static files.
 */
function nginxConfig(dir: string, opts: TlsProxyOptions): string {
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  const tls = `ssl_certificate ${dir}/cert.pem;\n    ssl_certificate_key ${dir}/key.pem;`;
  const second = opts.secondOrigin
    ? `
  server {
    listen ${opts.address}:${opts.secondOrigin.port} ssl;
    ${tls}
    root ${dir}/second;
  }`
    : '';
  return `daemon off;
master_process on;
worker_processes 1;
${user}pid ${dir}/nginx.pid;
lock_file ${dir}/nginx.lock;
error_log ${dir}/error.log info;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade {
    default upgrade;
    '' close;
  }
  server {
    listen ${opts.address}:${opts.port} ssl;
    ${tls}
    location = ${opts.prefix.replace(/\/$/, '')} { return 301 ${opts.prefix}; }
    location ${opts.prefix} {
      proxy_pass http://127.0.0.1:${opts.upstreamPort}/;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }${second}
}
`;
}
