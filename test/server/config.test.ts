import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cameradArgs } from '../../server/config/cameradArgs.js';
import { rejectsConfig } from '../helpers/configRejects.js';
import { loadConfig } from '../../server/config/loadConfig.js';
import { projectRoot } from '../../server/config/projectRoot.js';

const root = projectRoot();
const dir = mkdtempSync(join(tmpdir(), 'ecs-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('defaults: loopback on 8080, werift on 127.0.0.1, and the sample footage as the camera', () => {
    const config = loadConfig(root, undefined, {});
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 8080);
    assert.deepEqual(config.webrtc.announcedAddresses, ['127.0.0.1']);
    assert.equal(config.cameras.length, 1);
    assert.match(config.cameras[0]!.source, /Megamind\.avi$/);
    assert.equal(config.cameras[0]!.rtpPort, 5004);
    assert.equal(config.cameras[0]!.width, 1280);
    // Paths of programs are made absolute against the config root, once.
    assert.equal(config.camerad.binary, join(root, 'native/build/camerad'));
    assert.equal(config.outputs.rtsp.binary, join(root, 'native/build/rtspd'));
  });

  it('reads YAML and applies ECS_ environment overrides on top', () => {
    const path = file(
      'a.yaml',
      'server:\n  port: 9000\ncameras:\n  - id: a\n    source: test://\n  - id: b\n    source: test://\n    fps: 15\n',
    );
    const config = loadConfig(root, path, {
      ECS_SERVER__PORT: '9001',
      ECS_WEBRTC__ANNOUNCED_ADDRESSES: '["10.1.2.3"]',
    });
    assert.equal(config.server.port, 9001);
    assert.deepEqual(config.webrtc.announcedAddresses, ['10.1.2.3']);
    assert.deepEqual(
      config.cameras.map((c) => [c.id, c.rtpPort, c.fps]),
      [
        ['a', 5004, 30],
        ['b', 5006, 15],
      ],
    );
  });

  it('rejects a retry cap below the first delay in every section with a retry schedule, naming it', () => {
    for (const [section, env] of [
      ['camerad', 'ECS_CAMERAD'],
      ['livepeer', 'ECS_LIVEPEER'],
      ['outputs.rtsp', 'ECS_OUTPUTS__RTSP'],
      ['outputs.janus', 'ECS_OUTPUTS__JANUS'],
    ] as const) {
      rejectsConfig(
        () =>
          loadConfig(root, undefined, {
            [`${env}__BACKOFF_INITIAL_MS`]: '20000',
            [`${env}__BACKOFF_MAX_MS`]: '10000',
          }),
        `${section}.backoffMaxMs`,
        /must be at least backoffInitialMs \(20000 ms\)/,
      );
    }
  });

  it('rejects unknown keys, naming them', () => {
    rejectsConfig(
      () => loadConfig(root, file('b.json', '{"server":{"prot":1}}'), {}),
      'server.prot',
      /unknown setting/,
    );
    rejectsConfig(() => loadConfig(root, undefined, { ECS_WEBRTC__STUN: 'x' }), 'webrtc.stun', /unknown setting/);
  });

  it('rejects out-of-range values, naming the setting', () => {
    rejectsConfig(
      () => loadConfig(root, undefined, { ECS_CAMERAS: '[{"id":"a","source":"test://","fps":0}]' }),
      'cameras[0].fps',
      /.+/,
    );
    rejectsConfig(
      () => loadConfig(root, undefined, { ECS_WEBRTC__UDP_PORT_MIN: '5000', ECS_WEBRTC__UDP_PORT_MAX: '4000' }),
      'webrtc.udpPortMax',
      /greater/,
    );
  });

  it('fan-out and probe settings: defaults, camerad flag, and bounds named', () => {
    const defaults = loadConfig(root, undefined, {});
    assert.equal(defaults.webrtc.workers, 'auto');
    assert.equal(defaults.webrtc.gopCachePackets, 4096);
    assert.ok(!cameradArgs(defaults.cameras[0]!, defaults).includes('--latency-probe'));
    const probed = loadConfig(root, undefined, {
      ECS_WEBRTC__WORKERS: '2',
      ECS_CAMERAS: '[{"id":"a","source":"test://","latencyProbe":true}]',
    });
    assert.equal(probed.webrtc.workers, 2);
    assert.ok(cameradArgs(probed.cameras[0]!, probed).includes('--latency-probe'));
    rejectsConfig(() => loadConfig(root, undefined, { ECS_WEBRTC__WORKERS: '99' }), 'webrtc.workers', /.+/);
    rejectsConfig(
      () => loadConfig(root, undefined, { ECS_WEBRTC__GOP_CACHE_PACKETS: '10' }),
      'webrtc.gopCachePackets',
      /.+/,
    );
  });

  it('rejects an unknown source scheme and a missing file, naming the camera', () => {
    rejectsConfig(
      () => loadConfig(root, undefined, { ECS_CAMERAS: '[{"id":"a","source":"foo://x"}]' }),
      'cameras[0].source',
      /unknown scheme "foo"/,
    );
    rejectsConfig(
      () => loadConfig(root, undefined, { ECS_CAMERAS: '[{"id":"a","source":"file:///nonexistent/x.mp4"}]' }),
      'cameras[0].source',
      /file not found: \/nonexistent\/x\.mp4/,
    );
    rejectsConfig(
      () =>
        loadConfig(root, undefined, { ECS_CAMERAS: '[{"id":"a","source":"test://"},{"id":"a","source":"test://"}]' }),
      'cameras[1].id',
      /duplicate/,
    );
  });

  it('requires a token and the public URL when listening beyond loopback', () => {
    rejectsConfig(() => loadConfig(root, undefined, { ECS_SERVER__HOST: '0.0.0.0' }), 'server.token', /required/);
    rejectsConfig(
      () => loadConfig(root, undefined, { ECS_SERVER__HOST: '0.0.0.0', ECS_SERVER__TOKEN: 'x'.repeat(16) }),
      'server.publicUrl',
      /required/,
    );
    rejectsConfig(
      () => loadConfig(root, undefined, { ECS_SERVER__TOKEN: 'x'.repeat(16) }),
      'server.publicUrl',
      /viewer token/,
    );
    assert.equal(
      loadConfig(root, undefined, {
        ECS_SERVER__HOST: '0.0.0.0',
        ECS_SERVER__TOKEN: 'x'.repeat(16),
        ECS_SERVER__PUBLIC_URL: 'https://cam.example.org',
      }).server.host,
      '0.0.0.0',
    );
  });

  it('refuses access settings that would mix viewers and admins', () => {
    const base = { ECS_SERVER__PUBLIC_URL: 'https://cam.example.org', ECS_SERVER__TOKEN: 'v'.repeat(32) };
    rejectsConfig(
      () => loadConfig(root, undefined, { ...base, ECS_SERVER__ADMIN_TOKEN: 'v'.repeat(32) }),
      'server.adminToken',
      /differ/,
    );
    rejectsConfig(
      () => loadConfig(root, undefined, { ...base, ECS_SERVER__ADMIN_TOKEN: 'short' }),
      'server.adminToken',
      /32/,
    );
    rejectsConfig(
      () =>
        loadConfig(root, undefined, {
          ...base,
          ECS_SERVER__VIEWER_TOKENS: JSON.stringify([
            { name: 'alice', token: 'a'.repeat(20) },
            { name: 'alice', token: 'b'.repeat(20) },
          ]),
        }),
      'server.viewerTokens[1].name',
      /taken/,
    );
    rejectsConfig(
      () =>
        loadConfig(root, undefined, {
          ...base,
          ECS_SERVER__VIEWER_TOKENS: JSON.stringify([{ name: 'bob', token: 'v'.repeat(32) }]),
        }),
      'server.viewerTokens',
      /same/,
    );
    rejectsConfig(
      () => loadConfig(root, undefined, { ECS_SERVER__CORS_ORIGINS: '["https://app.example.org/"]' }),
      'server.corsOrigins[0]',
      /origin/,
    );
    rejectsConfig(
      () => loadConfig(root, undefined, { ECS_SERVER__TRUST_PROXY: '["proxy.local"]' }),
      'server.trustProxy[0]',
      /IP/,
    );
  });

  it('the server fails fast with exit code 2 and the setting named (built server)', () => {
    for (const [source, pattern] of [
      ['foo://x', /configuration error: cameras\[0\]\.source: unknown scheme "foo"/],
      ['file:///nonexistent/clip.mp4', /configuration error: cameras\[0\]\.source: file not found/],
    ] as const) {
      const run = spawnSync('node', ['dist/server/main.js'], {
        cwd: root,
        env: { ...process.env, ECS_CAMERAS: JSON.stringify([{ id: 'a', source }]) },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, pattern);
    }
  });
});
