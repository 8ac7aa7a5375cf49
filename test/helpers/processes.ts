import { type ChildProcess, spawn } from 'node:child_process';
import { trackGroup, untrackGroup } from './cleanup.js';

/** A child process of a test or bench, with its output kept (bounded) for failure messages. */
export interface StartedProcess {
  /** Short name used in messages, e.g. `server`, `loadgen-0`. */
  name: string;
  child: ChildProcess;
  /** PID of the spawned process (also its process group id). */
  pid: number;
  /** The last 200 kB of stdout and stderr together. */
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Options of {@link startProcess}. */
export interface StartOptions {
  cwd: string;
  /** Environment; default this process's own. */
  env?: NodeJS.ProcessEnv;
  /** Open an IPC channel (`process.send` in the child). Default false. */
  ipc?: boolean;
  /** Also copy the child's output to this process's stderr. Default: when TEST_LOG or BENCH_LOG is set. */
  echo?: boolean;
  /** Written to the child's stdin, which is then closed (e.g. a secret kept out of argv). Default: no stdin. */
  stdin?: string;
}

/**
 * Spawns `command` (argument array, no shell) in its own process group, so that
 * {@link stopGroup} stops it with everything it started. The group is registered with
 * cleanup.ts, which SIGKILLs it if the process exits without stopping it (benches install
 * that hook with `installCleanup`).
 * @throws Error when the command cannot be spawned (e.g. not installed).
 */
export async function startProcess(
  name: string,
  command: string,
  args: string[],
  options: StartOptions,
): Promise<StartedProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: [
      options.stdin === undefined ? 'ignore' : 'pipe',
      'pipe',
      'pipe',
      ...(options.ipc ? (['ipc'] as const) : []),
    ],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`${name}: cannot start ${command}: ${error.message}`)));
  });
  if (options.stdin !== undefined) {
    // A child that exits before reading its input makes the write fail (EPIPE): its exit code and
    // output report that; unheard, the error would end the test process.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.stdin);
  }
  let out = '';
  const echo = options.echo ?? Boolean(process.env.TEST_LOG || process.env.BENCH_LOG);
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString('utf8')).slice(-200_000);
    if (echo) process.stderr.write(chunk);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  trackGroup(child.pid!);
  return { name, child, pid: child.pid!, output: () => out, exited };
}

/** True while the process has not exited. */
export function isRunning(started: StartedProcess): boolean {
  return started.child.exitCode === null && started.child.signalCode === null;
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves with the exit code. Idempotent. */
export async function stopGroup(started: StartedProcess | undefined, graceMs = 5000): Promise<number | null> {
  if (!started) return null;
  if (!isRunning(started)) {
    untrackGroup(started.pid);
    return started.child.exitCode;
  }
  try {
    process.kill(-started.pid, 'SIGTERM');
  } catch {
    untrackGroup(started.pid);
    return started.exited; // the group is already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-started.pid, 'SIGKILL');
    } catch {
      // exited between the check and the kill: nothing left to stop
    }
  }, graceMs);
  const code = await started.exited;
  clearTimeout(timer);
  untrackGroup(started.pid); // also kills what the leader left behind (e.g. an orphaned camerad)
  return code;
}

/**
 * Waits until the output matches `pattern`.
 * @throws Error with the output's tail when the process exits first or after `timeoutMs`.
 */
export async function waitForOutput(
  started: StartedProcess,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = started.output().match(pattern);
    if (match) return match;
    if (!isRunning(started)) {
      throw new Error(
        `${started.name} exited (${started.child.exitCode ?? started.child.signalCode}) before printing ${pattern}:\n` +
          started.output().slice(-4000),
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${started.name}: timed out after ${timeoutMs} ms waiting for ${pattern}:\n${started.output().slice(-4000)}`,
  );
}
