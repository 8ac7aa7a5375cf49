import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './freePort.js';
import { isRunning, startProcess, stopGroup, type StartedProcess } from './processes.js';

/** Debian's nginx and its RTMP module (libnginx-mod-rtmp), as scripts/setup.sh installs them. */
export const NGINX = '/usr/sbin/nginx';
export const NGINX_RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/** What is missing for {@link startRtmpServer}, or undefined when nginx and its RTMP module are installed. */
export function rtmpServerMissing(): string | undefined {
  if (!existsSync(NGINX)) return `${NGINX} (package nginx)`;
  if (!existsSync(NGINX_RTMP_MODULE)) return `${NGINX_RTMP_MODULE} (package libnginx-mod-rtmp)`;
  return undefined;
}

/** A local RTMP ingest (nginx-rtmp) on 127.0.0.1 for tests. */
export interface RtmpServer {
  /** `rtmp://127.0.0.1:<port>/<app>/<key>`; the server has one application, `live`. */
  url: (app: string, key: string) => string;
  port: number;
  /** Stops nginx (the port is closed: an ingest outage). Idempotent. */
  stop(): Promise<void>;
  /** Starts nginx again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops for good and removes the temp folder. Idempotent. */
  close(): Promise<void>;
  /** nginx's error log and output so far (all runs). */
  logs(): string;
}

/** Config: everything inside `dir`, no http server, one live application on 127.0.0.1:`port`. */
function nginxConfig(dir: string, port: number): string {
  // Workers run as root only when the master does (nginx refuses `user` otherwise).
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `load_module ${NGINX_RTMP_MODULE};
daemon off;
master_process on;
worker_processes 1;
${user}pid ${dir}/nginx.pid;
lock_file ${dir}/nginx.lock;
error_log ${dir}/error.log info;
events { worker_connections 64; }
rtmp {
  access_log ${dir}/access.log;
  server {
    listen 127.0.0.1:${port};
    application live {
      live on;
      record off;
    }
  }
}
`;
}

/** Resolves once 127.0.0.1:`port` accepts a TCP connection; throws when nginx exits or after `timeoutMs`. */
async function waitListening(
  nginx: StartedProcess,
  port: number,
  timeoutMs: number,
  logs: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!isRunning(nginx)) throw new Error(`nginx exited (${nginx.child.exitCode}):\n${logs()}`);
    if (Date.now() > deadline)
      throw new Error(`nginx not listening on 127.0.0.1:${port} after ${timeoutMs} ms:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs Debian's nginx with the RTMP module as an RTMP ingest on 127.0.0.1 (`port`, or a free
 * one), with its config, pid file and logs in a fresh temp folder. nginx runs in its own process
 * group, registered with cleanup.ts, so nothing is left running.
 * @throws Error when nginx or the module is missing ({@link rtmpServerMissing}) or nginx does not start.
 */
export async function startRtmpServer(opts: { port?: number } = {}): Promise<RtmpServer> {
  const missing = rtmpServerMissing();
  if (missing) throw new Error(`cannot run an RTMP server: ${missing} is missing`);
  const port = opts.port ?? (await freeTcpPort());
  const dir = await mkdtemp(join(tmpdir(), 'rtmp-nginx-'));
  const config = join(dir, 'nginx.conf');
  await writeFile(config, nginxConfig(dir, port));
  let nginx: StartedProcess | undefined;
  let output = '';
  let closed = false;
  let finalErrorLog: string | undefined;

  const readErrorLog = (): string => {
    try {
      return readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return ''; // not written yet
    }
  };
  const logs = (): string => `${finalErrorLog ?? readErrorLog()}${output}${nginx?.output() ?? ''}`;

  const stop = async (): Promise<void> => {
    if (!nginx) return;
    const running = nginx;
    nginx = undefined;
    await stopGroup(running, 3000);
    output += running.output();
  };

  const start = async (): Promise<void> => {
    if (closed) throw new Error('the RTMP server was closed');
    if (nginx && isRunning(nginx)) return;
    // -p: relative paths in the folder; -e: the error log before the config is read.
    nginx = await startProcess('nginx', NGINX, ['-p', `${dir}/`, '-c', config, '-e', join(dir, 'error.log')], {
      cwd: dir,
    });
    await waitListening(nginx, port, 10_000, logs);
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await stop();
    finalErrorLog = readErrorLog();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (error) {
    const text = logs();
    await close();
    throw new Error(`${String(error)}\n${text}`, { cause: error });
  }
  return {
    url: (app, key) => `rtmp://127.0.0.1:${port}/${app}/${key}`,
    port,
    stop,
    start,
    close,
    logs,
  };
}
