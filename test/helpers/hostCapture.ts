import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of this checkout. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** The host programs under test (tools/host-capture/). */
export const HOST_CAPTURE = join(REPO, 'tools/host-capture/host-capture');
export const SYNC_MANAGER = join(REPO, 'tools/host-capture/image-sync-manager');
/** Stand-ins and wrappers of test/fixtures/host-capture/. */
export const FIXTURES = join(REPO, 'test/fixtures/host-capture');
/**
 * The interpreter the programs and stand-ins run under: HOST_CAPTURE_PYTHON when set (e.g. a
 * Python 3.9, their minimum), else Debian's /usr/bin/python3, else python3 on PATH.
 */
export const PYTHON =
  process.env.HOST_CAPTURE_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** Result of {@link runPython}. */
export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Python program to its end (argument array, no shell); `timeoutMs` guards against a hang. */
export async function runPython(
  program: string,
  args: string[],
  timeoutMs = 60_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PythonRun> {
  const child = spawn(PYTHON, [program, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('close', (c) => done(c));
  });
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** `--status` (or any JSON-printing run) parsed; throws with stderr when stdout is not JSON. */
export async function statusOf(program: string, args: string[]): Promise<Record<string, unknown>> {
  const run = await runPython(program, [...args, '--status']);
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`${program} --status printed no JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
}

/**
 * Why `data` is not a complete JPEG, or null when it is: SOI (FF D8) first, EOI (FF D9) last,
 * and, when given, exactly `size` bytes.
 */
export function jpegProblem(data: Buffer, size?: number): string | null {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return `no SOI (${data.length} bytes)`;
  if (data[data.length - 2] !== 0xff || data[data.length - 1] !== 0xd9) return `no EOI (${data.length} bytes)`;
  if (size !== undefined && data.length !== size) return `${data.length} bytes, expected ${size}`;
  return null;
}

/** A real JPEG of `width`×`height` made once by GStreamer (videotestsrc ! jpegenc) at `path`. */
export function makeTestJpeg(path: string, width: number, height: number): Buffer {
  const run = spawnSync(
    'gst-launch-1.0',
    [
      '-q',
      'videotestsrc',
      'num-buffers=1',
      'pattern=smpte',
      '!',
      `video/x-raw,width=${width},height=${height}`,
      '!',
      'jpegenc',
      'quality=90',
      '!',
      'filesink',
      `location=${path}`,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`gst-launch-1.0 could not make a test JPEG: ${run.stderr}`);
  return readFileSync(path);
}

/** True when `gst-inspect-1.0 element` finds the element. */
export function hasGstElement(element: string): boolean {
  return spawnSync('gst-inspect-1.0', ['--exists', element]).status === 0;
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined; throws after `timeoutMs`. */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
