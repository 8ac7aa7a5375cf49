import { type ChildProcess, spawn } from 'node:child_process';

/** A spawned process whose output is kept (bounded) for assertions and failure messages. */
export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Spawns in its own process group (so the whole tree can be stopped), keeping the last 200 kB of output. */
export function startProcess(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Started {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString('utf8')).slice(-200_000);
    if (process.env.TEST_LOG) process.stderr.write(chunk);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves with the exit code. */
export async function stopGroup(started: Started | undefined, graceMs = 10_000): Promise<number | null> {
  if (!started) return null;
  const { child, exited } = started;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    return exited; // the group is already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // exited between the check and the kill: nothing left to stop
    }
  }, graceMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** Waits until the output contains `pattern`; rejects if the process exits first. */
export async function waitForOutput(started: Started, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = started.output().match(pattern);
    if (m) return m;
    if (started.child.exitCode !== null)
      throw new Error(
        `process exited (${started.child.exitCode}) before ${pattern}:\n${started.output().slice(-4000)}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${pattern}:\n${started.output().slice(-4000)}`);
}
