import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { projectRoot } from '../../server/config/projectRoot.js';

const root = projectRoot();

/** The Dockerfile's instructions as `[keyword, arguments]` (continuation lines joined, comments dropped). */
function instructions(text: string): [string, string][] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return [line.slice(0, space).toUpperCase(), line.slice(space + 1).trim()];
    });
}

/**
 * The container's hardening, read from the Dockerfile and docker/compose.yml (no Docker engine
 * and no hadolint here): the runtime stage runs on the current Node LTS as an unprivileged user
 * with a HEALTHCHECK on /api/health; compose drops every capability, forbids privilege gains,
 * mounts the root read-only with only the tmpfs folders and volumes the server writes, and says
 * that `down -v` purges the biometric and media files.
 */
describe('the container', () => {
  const dockerfile = instructions(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  const stages = dockerfile.reduce<[string, string][][]>((acc, ins) => {
    if (ins[0] === 'FROM') acc.push([]);
    acc.at(-1)?.push(ins);
    return acc;
  }, []);
  const runtime = stages.at(-1)!;

  it('every stage is on the same image, the current Node LTS (the lts tag, or an even major from 24 on), Debian 12', () => {
    const bases = dockerfile.filter(([k]) => k === 'FROM').map(([, args]) => args.split(/\s+/)[0]!);
    assert.ok(bases.length >= 2, 'a build and a runtime stage');
    // Native addons built in one stage run in the other: both must resolve to the same Node.
    assert.equal(new Set(bases).size, 1, `one base image for every stage: ${bases.join(', ')}`);
    for (const base of bases) {
      const match = /^node:(lts|\d+)-bookworm(-slim)?$/.exec(base);
      assert.ok(match, `${base}: a node:<lts|major>-bookworm image`);
      if (match[1] !== 'lts') {
        const major = Number(match[1]);
        assert.ok(major >= 24 && major % 2 === 0, `${base}: Node ${major} is not a current LTS`);
      }
    }
  });

  it('the runtime stage runs as an unprivileged user, with a HEALTHCHECK on /api/health', () => {
    const users = runtime.filter(([k]) => k === 'USER').map(([, args]) => args);
    assert.ok(users.length > 0, 'USER in the runtime stage');
    const user = users.at(-1)!;
    assert.ok(!/^(root|0)(:|$)/.test(user), `USER ${user} is not root`);
    // The user is created in the image with a fixed uid that is not 0.
    const creates = runtime.some(
      ([k, args]) => k === 'RUN' && new RegExp(`useradd .*--uid [1-9]\\d* .*${user}`).test(args),
    );
    assert.ok(creates, `the image creates ${user} with a non-zero uid`);
    // The folders it writes exist and are its own, so a plain `docker run` (no compose tmpfs or
    // volume) starts too: the state folder and camerad's runtime folder.
    const runtimeDir = runtime
      .filter(([k]) => k === 'ENV')
      .map(([, args]) => /ECS_CAMERAD__RUNTIME_DIR=(\S+)/.exec(args)?.[1])
      .find((dir) => dir !== undefined);
    assert.ok(runtimeDir, 'ENV ECS_CAMERAD__RUNTIME_DIR');
    for (const dir of ['/app/data/state', runtimeDir]) {
      const made = runtime.some(
        ([k, args]) => k === 'RUN' && new RegExp(`install -d -o ${user} -g ${user} [^&]*${dir}( |$)`).test(args),
      );
      assert.ok(made, `the image creates ${dir} owned by ${user}`);
    }
    const health = runtime.filter(([k]) => k === 'HEALTHCHECK');
    assert.equal(health.length, 1, 'one HEALTHCHECK');
    assert.match(health[0]![1], /CMD .*\/api\/health/);
    assert.match(health[0]![1], /--interval=\d+s/);
    // The entry point is the same script the tests start outside Docker.
    assert.ok(runtime.some(([k, args]) => k === 'ENTRYPOINT' && args.includes('entrypoint.sh')));
  });

  it('compose drops every capability, forbids privilege gains and mounts the root read-only', () => {
    const text = readFileSync(join(root, 'docker/compose.yml'), 'utf8');
    const compose = parse(text) as {
      services: Record<
        string,
        {
          cap_drop?: string[];
          security_opt?: string[];
          read_only?: boolean;
          tmpfs?: string[];
          volumes?: string[];
          privileged?: boolean;
        }
      >;
      volumes: Record<string, unknown>;
    };
    const server = compose.services.camserver!;
    assert.deepEqual(server.cap_drop, ['ALL']);
    assert.ok(server.security_opt?.includes('no-new-privileges:true'));
    assert.equal(server.read_only, true);
    assert.notEqual(server.privileged, true);
    const tmpfs = (server.tmpfs ?? []).map((t) => t.split(':')[0]);
    assert.ok(tmpfs.includes('/run/camserver') && tmpfs.includes('/tmp'), `tmpfs ${tmpfs.join()}`);
    // The state (database, keys, photos, recordings) is the one writable volume; sources are read-only.
    const volumes = server.volumes ?? [];
    assert.ok(volumes.includes('camserver-state:/app/data/state'));
    for (const v of volumes.filter((v) => !v.startsWith('camserver-state:'))) assert.match(v, /:ro$/, v);
    assert.ok('camserver-state' in compose.volumes);
    assert.match(text, /docker compose .*down -v[^\n]*\n(#[^\n]*\n)*?.*biometric/i);
  });
});
