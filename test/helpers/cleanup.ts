/**
 * Makes sure a bench or test leaves nothing running: process groups registered with `trackGroup` are
 * SIGKILLed on `exit`; on SIGINT/SIGTERM the hooks of `onInterrupt` run (5 s at most, e.g.
 * closing the browser and stopping children gracefully), then the bench exits with 130/143.
 * Groups are those of children spawned `detached` (processes.ts), so their own children go too.
 */

/** Process group ids to SIGKILL on exit. */
const groups = new Set<number>();
/** Async teardown steps for SIGINT/SIGTERM. */
const hooks: (() => Promise<unknown>)[] = [];
let installed = false;

/** Installs the `exit`, SIGINT and SIGTERM handlers (once). */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const pgid of groups) killGroup(pgid);
  });
  const interrupt = (signal: NodeJS.Signals, code: number): void => {
    process.stderr.write(`\n${signal}: stopping children\n`);
    const timeout = new Promise((r) => setTimeout(r, 5000).unref());
    void Promise.race([Promise.allSettled(hooks.map((h) => h())), timeout]).then(() => process.exit(code));
  };
  process.once('SIGINT', () => interrupt('SIGINT', 130));
  process.once('SIGTERM', () => interrupt('SIGTERM', 143));
}

/** Registers an async teardown step for SIGINT/SIGTERM; returns a function that removes it. */
export function onInterrupt(hook: () => Promise<unknown>): () => void {
  hooks.push(hook);
  return () => {
    const i = hooks.indexOf(hook);
    if (i >= 0) hooks.splice(i, 1);
  };
}

/** SIGKILLs process group `pgid` on exit unless `untrackGroup` was called; returns `pgid`. */
export function trackGroup(pgid: number): number {
  groups.add(pgid);
  return pgid;
}

/** Forgets a group that was stopped, SIGKILLing whatever of it is still there. */
export function untrackGroup(pgid: number): void {
  killGroup(pgid);
  groups.delete(pgid);
}

/** SIGKILLs process group `pgid` (what is left of it after its leader exited, e.g. an orphaned child). */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already, nothing to kill
  }
}
