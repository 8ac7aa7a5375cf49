import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { IceServers } from '../../../media/sfu/ice/IceServers.js';
import { parseIceUri } from '../../../media/sfu/ice/iceUri.js';
import { TurnCredentials } from '../../../media/sfu/ice/TurnCredentials.js';
import { announceCandidates, relayIceServers, weriftPeerConfig } from '../../../media/sfu/werift/weriftConfig.js';
import { iceServerLinks, parseIceServerLinks } from '../../../media/whep/iceServerLinks.js';
import { ConfigError } from '../../../server/config/ConfigError.js';
import { loadConfig } from '../../../server/config/loadConfig.js';
import { projectRoot } from '../../../server/config/projectRoot.js';

const SECRET = 'a-test-secret-of-32-characters!!';
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const dir = mkdtempSync(join(tmpdir(), 'ecs-turn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('TURN REST credentials (draft-uberti-behave-turn-rest-00 §2.2, coturn use-auth-secret)', () => {
  const turn = new TurnCredentials({ secret: SECRET, urls: ['turn:198.18.1.2:3478'], credentialTtlS: 600 }, () => NOW);

  it('username is <expiry unix s>:<label>; password is base64 HMAC-SHA1, as openssl computes it', () => {
    const { username, credential, expiresAt } = turn.mint('viewer.alice');
    assert.equal(username, `${NOW / 1000 + 600}:viewer.alice`);
    assert.equal(expiresAt, NOW + 600_000);
    // An implementation other than node:crypto's: openssl's HMAC.
    const openssl = spawnSync('openssl', ['dgst', '-sha1', '-hmac', SECRET, '-binary'], { input: username });
    assert.equal(openssl.status, 0, 'openssl is installed');
    assert.equal(credential, openssl.stdout.toString('base64'));
  });

  it('labels that coturn could misread (":" is its separator) or that are long become a hash', () => {
    assert.equal(TurnCredentials.label('wallet.7XyZ'), 'wallet.7XyZ');
    assert.match(TurnCredentials.label('name:with:colons'), /^h-[0-9a-f]{16}$/);
    assert.match(TurnCredentials.label('x'.repeat(65)), /^h-[0-9a-f]{16}$/);
    assert.equal(turn.mint('a:b').username.split(':').length, 2);
  });

  it('the viewer list is the static servers plus one minted TURN entry with its expiry', () => {
    const servers = new IceServers(
      {
        iceServers: [{ urls: 'stun:198.18.1.2:3478' }],
        turn: { secret: SECRET, urls: ['turn:198.18.1.2:3478?transport=udp'], credentialTtlS: 300 },
      },
      () => NOW,
    );
    const answer = servers.forViewer('viewer.default');
    assert.equal(answer.expiresAt, new Date(NOW + 300_000).toISOString());
    assert.deepEqual(answer.iceServers[0], { urls: 'stun:198.18.1.2:3478' });
    assert.equal(answer.iceServers[1]!.username, `${NOW / 1000 + 300}:viewer.default`);
    assert.ok(!JSON.stringify(answer).includes(SECRET), 'the secret is never in an answer');
    assert.deepEqual(new IceServers({ iceServers: [], turn: undefined }).forViewer('x'), {
      iceServers: [],
      expiresAt: null,
    });
  });
});

describe('ICE server Link headers (RFC 9725 §4.6)', () => {
  it('one Link per URI, credentials as quoted strings with credential-type="password"', () => {
    const links = iceServerLinks([
      { urls: 'stun:198.18.1.2' },
      {
        urls: ['turn:198.18.1.2:3478?transport=udp', 'turn:198.18.1.2:3478?transport=tcp'],
        username: '1:a',
        credential: 'p"w\\',
      },
    ]);
    assert.deepEqual(links, [
      '<stun:198.18.1.2>; rel="ice-server"',
      '<turn:198.18.1.2:3478?transport=udp>; rel="ice-server"; username="1:a"; credential="p\\"w\\\\"; credential-type="password"',
      '<turn:198.18.1.2:3478?transport=tcp>; rel="ice-server"; username="1:a"; credential="p\\"w\\\\"; credential-type="password"',
    ]);
    // fetch joins several Link headers with ", "
    assert.deepEqual(parseIceServerLinks(`${links.join(', ')}, </x>; rel="next"`), [
      { urls: 'stun:198.18.1.2' },
      { urls: 'turn:198.18.1.2:3478?transport=udp', username: '1:a', credential: 'p"w\\' },
      { urls: 'turn:198.18.1.2:3478?transport=tcp', username: '1:a', credential: 'p"w\\' },
    ]);
  });
});

describe('SFU ICE settings', () => {
  const network = {
    announcedAddresses: ['198.18.0.1'],
    bindAddress: '0.0.0.0',
    portRange: undefined,
    viewerTimeoutMs: 15_000,
  };

  it('ICE-lite with no server by default; full ICE against the configured coturn only with a relay', () => {
    assert.deepEqual(weriftPeerConfig(network).iceServers, []);
    assert.equal(weriftPeerConfig(network).iceLite, true);
    const relay = relayIceServers(
      {
        secret: SECRET,
        urls: ['turns:198.18.1.2', 'turn:198.18.1.2:3478?transport=tcp', 'turn:198.18.1.2:3479'],
        credentialTtlS: 600,
      },
      'box',
    )!;
    const config = weriftPeerConfig(network, relay);
    assert.equal(config.iceLite, false);
    // werift's public fallback (stun.l.google.com) is replaced by the TURN server itself.
    assert.deepEqual(config.iceServers![0], { urls: 'stun:198.18.1.2:3479' });
    assert.equal(config.iceServers![1]!.urls, 'turn:198.18.1.2:3479', 'the UDP turn: URI (werift speaks no TLS)');
    assert.match(config.iceServers![1]!.username!, /^\d+:box$/);
  });

  it('announceCandidates rewrites host candidates and keeps relay and srflx ones', () => {
    const sdp = [
      'v=0',
      'a=candidate:1 1 udp 2130706431 10.0.0.5 40000 typ host',
      'a=candidate:2 1 udp 2130706431 127.0.0.1 40001 typ host',
      'a=candidate:3 1 udp 1694498815 203.0.113.9 40000 typ srflx raddr 10.0.0.5 rport 40000',
      'a=candidate:4 1 udp 16777215 198.18.1.2 50000 typ relay raddr 198.18.1.1 rport 40002',
      '',
    ].join('\r\n');
    const out = announceCandidates(sdp, ['198.18.0.1']).split('\r\n');
    assert.deepEqual(
      out.filter((l) => l.startsWith('a=candidate')),
      [
        `a=candidate:1 1 udp ${(126 << 24) + (65535 << 8) + 255} 198.18.0.1 40000 typ host`,
        'a=candidate:3 1 udp 1694498815 203.0.113.9 40000 typ srflx raddr 10.0.0.5 rport 40000',
        'a=candidate:4 1 udp 16777215 198.18.1.2 50000 typ relay raddr 198.18.1.1 rport 40002',
      ],
    );
  });

  it('ICE URIs are parsed as RFC 7064/7065 write them', () => {
    assert.deepEqual(parseIceUri('turn:[2001:db8::1]:3478?transport=tcp'), {
      scheme: 'turn',
      host: '2001:db8::1',
      port: 3478,
      transport: 'tcp',
    });
    assert.equal(parseIceUri('turns:turn.example.org')!.port, 5349);
    assert.equal(parseIceUri('turn://turn.example.org'), undefined);
    assert.equal(parseIceUri('stun:host?transport=udp'), undefined);
  });
});

describe('webrtc configuration errors name the field', () => {
  const root = projectRoot();
  function rejects(env: Record<string, string>, setting: string, message: RegExp): void {
    assert.throws(
      () => loadConfig(root, undefined, env),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, `ConfigError, got ${String(error)}`);
        assert.equal(error.setting, setting);
        assert.match(error.message, message);
        assert.ok(!error.message.includes('short-secret'), 'the secret is not in the message');
        return true;
      },
    );
  }

  it('defaults: no server, no relay, nothing contacted', () => {
    const { webrtc } = loadConfig(root, undefined, {});
    assert.deepEqual(webrtc.iceServers, []);
    assert.deepEqual(webrtc.turn.urls, []);
    assert.equal(webrtc.turn.secret, undefined);
    assert.equal(webrtc.serverRelay, false);
  });

  it('refuses bad URIs, TURN without credentials, short secrets, a secret without its server, a relay without TURN', () => {
    rejects({ ECS_WEBRTC__ICE_SERVERS: '[{"urls":"stun://x"}]' }, 'webrtc.iceServers[0].urls', /no "\/\/"/);
    rejects({ ECS_WEBRTC__ICE_SERVERS: '[{"urls":["stun:x","http:x"]}]' }, 'webrtc.iceServers[0].urls[1]', /RFC 7064/);
    rejects({ ECS_WEBRTC__ICE_SERVERS: '[{"urls":"turn:x"}]' }, 'webrtc.iceServers[0].username', /needs username/);
    rejects(
      { ECS_WEBRTC__TURN__SECRET: 'short-secret', ECS_WEBRTC__TURN__URLS: '["turn:x"]' },
      'webrtc.turn.secret',
      /16/,
    );
    rejects({ ECS_WEBRTC__TURN__SECRET: SECRET }, 'webrtc.turn.urls', /turn: URI/);
    rejects({ ECS_WEBRTC__TURN__URLS: '["turn:x"]' }, 'webrtc.turn.secret', /required/);
    rejects({ ECS_WEBRTC__TURN__SECRET: SECRET, ECS_WEBRTC__TURN__URLS: '["stun:x"]' }, 'webrtc.turn.urls[0]', /turn:/);
    rejects({ ECS_WEBRTC__TURN__CREDENTIAL_TTL_S: '5' }, 'webrtc.turn.credentialTtlS', /60/);
    rejects({ ECS_WEBRTC__SERVER_RELAY: 'true' }, 'webrtc.serverRelay', /webrtc\.turn/);
    rejects(
      { ECS_WEBRTC__TURN__SECRET: SECRET, ECS_WEBRTC__TURN__URLS: '["turns:x"]', ECS_WEBRTC__SERVER_RELAY: 'true' },
      'webrtc.serverRelay',
      /turn: URI/,
    );
    const short = join(dir, 'short');
    writeFileSync(short, 'short-secret\n');
    rejects(
      { ECS_WEBRTC__TURN__SECRET_FILE: short, ECS_WEBRTC__TURN__URLS: '["turn:x"]' },
      'webrtc.turn.secretFile',
      /16 to 256/,
    );
  });

  it('reads the secret from secretFile (a Docker secret), trailing newline dropped', () => {
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    const { webrtc } = loadConfig(root, undefined, {
      ECS_WEBRTC__TURN__SECRET_FILE: file,
      ECS_WEBRTC__TURN__URLS: '["turn:198.18.1.2:3478"]',
      ECS_WEBRTC__SERVER_RELAY: 'true',
    });
    assert.equal(webrtc.turn.secret, SECRET);
    assert.equal(webrtc.serverRelay, true);
  });
});
