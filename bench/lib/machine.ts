import { execFileSync } from 'node:child_process';
import { cpus, release } from 'node:os';

/** What a bench result was measured on. */
export interface MachineInfo {
  /** CPU model name (`os.cpus()[0].model`). */
  cpu_model: string;
  /** Online CPUs. */
  nproc: number;
  /** Node.js version, e.g. "v20.19.0". */
  node: string;
  /** Kernel release (`uname -r`). */
  kernel: string;
}

/** CPU model, core count, Node and kernel versions of this machine. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return { cpu_model: list[0]?.model ?? 'unknown', nproc: list.length, node: process.version, kernel: release() };
}

/**
 * Short commit hash of HEAD in `root`, with "+dirty" when tracked files have changes; null
 * outside a git checkout (e.g. a release tarball).
 */
export function gitRevision(root: string): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      encoding: 'utf8',
    });
    return dirty.trim() ? `${head}+dirty` : head;
  } catch {
    return null; // git missing or not a checkout: the revision is unknown
  }
}
