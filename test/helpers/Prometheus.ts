import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './freePort.js';
import { type StartedProcess, startProcess, stopGroup } from './processes.js';

/**
 * `promtool check metrics` (Debian's prometheus package) over an exposition text: its exit status
 * and output (trimmed). A clean text gives `{ status: 0, output: '' }`; a missing promtool gives
 * status null and the spawn error, so a test asserting a clean result fails rather than skips.
 */
export function promtool(text: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  const error = run.error ? `promtool (Debian package prometheus): ${run.error.message}` : '';
  return { status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}${error}`.trim() };
}

/** One scrape job of {@link Prometheus.start}. */
export interface ScrapeTarget {
  job: string;
  /** `host:port` of the target (127.0.0.1 in tests). */
  target: string;
  /** Bearer token, written to a 0600 file (`credentials_file`): never in argv. */
  bearer?: string;
}

/**
 * Debian's `prometheus`, started by a test on 127.0.0.1 with its own configuration and storage
 * in a private temporary folder, scraping every second; never the system's service or
 * /var/lib/prometheus. {@link query} asks its HTTP API. {@link close} stops it (idempotent).
 */
export class Prometheus {
  #closing: Promise<void> | undefined;

  private constructor(
    private readonly process: StartedProcess,
    private readonly dir: string,
    /** Its HTTP API, e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
  ) {}

  /**
   * Starts it and waits until its API answers `/-/ready`.
   * @throws Error with its output when it exits or is not ready within 20 s.
   */
  static async start(targets: ScrapeTarget[]): Promise<Prometheus> {
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    const jobs = targets.map((t, i) => {
      const lines = [`  - job_name: ${t.job}`, '    metrics_path: /metrics', `    static_configs:`];
      lines.push(`      - targets: ['${t.target}']`);
      if (t.bearer !== undefined) {
        const file = join(dir, `token-${i}`);
        writeFileSync(file, t.bearer, { mode: 0o600 });
        lines.push('    authorization:', '      type: Bearer', `      credentials_file: ${file}`);
      }
      return lines.join('\n');
    });
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      ['global:', '  scrape_interval: 1s', '  scrape_timeout: 900ms', 'scrape_configs:', ...jobs, ''].join('\n'),
    );
    const port = await freeTcpPort();
    const started = await startProcess(
      'prometheus',
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { cwd: dir },
    );
    const prometheus = new Prometheus(started, dir, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ready = await fetch(`${prometheus.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return prometheus;
      if (started.child.exitCode !== null || Date.now() > deadline) {
        await prometheus.close();
        throw new Error(`prometheus did not become ready:\n${started.output().slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * An instant query (`/api/v1/query`).
   * @returns the vector's samples: labels and value.
   */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const json = (await res.json()) as {
      status: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
      error?: string;
    };
    if (json.status !== 'success') throw new Error(`query ${expr}: ${json.error ?? res.status}`);
    return json.data!.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Stops it and removes its folder. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await stopGroup(this.process);
      rmSync(this.dir, { recursive: true, force: true });
    })();
    return this.#closing;
  }
}
