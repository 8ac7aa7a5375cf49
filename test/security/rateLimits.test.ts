import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { io } from 'socket.io-client';
import { openapiRouter } from '../../server/http/routers/openapiRouter.js';
import { signBytes } from '../server/chain/chainFixtures.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { guardedApp } from '../helpers/guardedApp.js';
import { testLogger } from '../helpers/logger.js';
import { rawHttp } from '../helpers/rawHttp.js';
import { startTestServer } from '../helpers/testServer.js';
import { WeriftTestClient } from '../helpers/weriftClient.js';

/** How many sign-in requests an address may make per window here (the default). */
const SIGNIN_POINTS = 30;

/** Challenge → sign → sign-in, every request from `localAddress`. @returns the sign-in status. */
async function signInFrom(url: string, localAddress: string, keypair: Keypair): Promise<number> {
  const headers = { 'content-type': 'application/json' };
  const challenge = await rawHttp(`${url}/api/session/challenge`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ wallet: keypair.publicKey.toBase58() }),
    localAddress,
  });
  assert.equal(challenge.status, 200, challenge.text);
  const message = (JSON.parse(challenge.text) as { message: string }).message;
  const signature = bs58.encode(signBytes(keypair, Buffer.from(message)));
  const signin = await rawHttp(`${url}/api/session/signin`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ message, signature }),
    localAddress,
  });
  return signin.status;
}

describe('rate limits and caps against the real server', { timeout: 180_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    ctx = await startTestServer({
      ECS_LIMITS__WHEP_VIEWERS_PER_ADDRESS: '2',
      ECS_LIMITS__WHEP_VIEWERS_PER_CAMERA: '3',
      ECS_LIMITS__SOCKETS_PER_ADDRESS: '3',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([{ id: 'cam', source: 'test://', width: 320, height: 240, fps: 10 }]),
    });
    await ctx.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
  });
  after(async () => ctx?.close());

  it('2,000 challenges from 127.0.0.1 are answered 429 with Retry-After past the limit, the table stays small, and a user on 127.0.0.2 signs in meanwhile', async () => {
    const db = ctx.server.identity.database.db;
    const rows = (): number =>
      (db.prepare('SELECT count(*) AS n FROM chain_signin_challenges').get() as { n: number }).n;
    const before = rows();
    const statuses = new Map<number, number>();
    let retryAfter = '';
    let sent = 0;
    const flood = async (): Promise<void> => {
      while (sent < 2000) {
        sent += 1;
        const res = await rawHttp(`${ctx.url}/api/session/challenge`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ wallet: Keypair.generate().publicKey.toBase58() }),
          localAddress: '127.0.0.1',
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) retryAfter = String(res.headers['retry-after']);
      }
    };
    const flooding = Promise.all(Array.from({ length: 16 }, flood));
    // The legitimate user, from another address, while the flood runs.
    await new Promise((r) => setTimeout(r, 300));
    const legit = await signInFrom(ctx.url, '127.0.0.2', Keypair.generate());
    await flooding;
    assert.equal(legit, 200, 'the user on 127.0.0.2 signed in during the flood');
    assert.equal(statuses.get(200), SIGNIN_POINTS, JSON.stringify([...statuses]));
    assert.equal(statuses.get(429), 2000 - SIGNIN_POINTS, JSON.stringify([...statuses]));
    assert.match(retryAfter, /^\d+$/);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, retryAfter);
    // At most one row per admitted challenge: the flood's and the user's.
    assert.ok(rows() - before <= SIGNIN_POINTS + 1, `challenge rows grew by ${rows() - before}`);
    // X-Forwarded-For from a peer that is not a trusted proxy does not change the key.
    for (let i = 0; i < 5; i += 1) {
      const spoofed = await rawHttp(`${ctx.url}/api/session/challenge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${i + 1}` },
        body: JSON.stringify({ wallet: Keypair.generate().publicKey.toBase58() }),
        localAddress: '127.0.0.1',
      });
      assert.equal(spoofed.status, 429, `X-Forwarded-For 198.51.100.${i + 1} escaped the limit`);
    }
  });

  it('WHEP viewers are capped per address (429) and per camera (503)', async () => {
    const clients: WeriftTestClient[] = [];
    const offer = async (localAddress: string): Promise<number> => {
      const client = new WeriftTestClient();
      clients.push(client);
      const res = await rawHttp(`${ctx.url}/whep/cam`, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp' },
        body: await client.createOffer(),
        localAddress,
      });
      return res.status;
    };
    try {
      assert.equal(await offer('127.0.0.1'), 201);
      assert.equal(await offer('127.0.0.1'), 201);
      assert.equal(await offer('127.0.0.1'), 429, 'a third viewer from one address');
      assert.equal(await offer('127.0.0.3'), 201, 'another address still gets a viewer');
      assert.equal(await offer('127.0.0.4'), 503, 'the camera is full at 3');
      assert.equal(ctx.server.cameras.get('cam')!.status().viewers, 3);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('socket.io connections are capped per address', async () => {
    const sockets = Array.from({ length: 4 }, () =>
      io(ctx.url, { transports: ['websocket'], reconnection: false, autoConnect: false }),
    );
    try {
      const outcomes: string[] = [];
      for (const socket of sockets) {
        outcomes.push(
          await new Promise<string>((resolve) => {
            socket.once('connect', () => resolve('connected'));
            socket.once('connect_error', (e) => resolve(e.message));
            socket.connect();
          }),
        );
      }
      assert.deepEqual(outcomes.slice(0, 3), ['connected', 'connected', 'connected']);
      assert.match(outcomes[3]!, /3 event connections already/);
    } finally {
      for (const s of sockets) s.disconnect();
    }
  });
});

describe('trusted proxies', () => {
  it('X-Forwarded-For sets the limiting key only when the peer is in server.trustProxy', async () => {
    const limits = { apiPerAddress: { points: 3, windowS: 60 } };
    const answer = (url: string, forwardedFor: string) =>
      rawHttp(`${url}/api/openapi.json`, { headers: { 'x-forwarded-for': forwardedFor } }).then((r) => r.status);
    const untrusted = await guardedApp([openapiRouter('0.0.0', undefined)], { limits }, testLogger);
    const trusted = await guardedApp(
      [openapiRouter('0.0.0', undefined)],
      { limits, server: { trustProxy: ['127.0.0.1'] } },
      testLogger,
    );
    try {
      const a = [];
      for (let i = 0; i < 5; i += 1) a.push(await answer(untrusted.url, `203.0.113.${i + 1}`));
      assert.deepEqual(a, [200, 200, 200, 429, 429], 'untrusted peer: one key whatever the header says');
      const b = [];
      for (let i = 0; i < 5; i += 1) b.push(await answer(trusted.url, `203.0.113.${i + 1}`));
      assert.deepEqual(b, [200, 200, 200, 200, 200], 'trusted proxy: one key per forwarded client');
      const c = [];
      for (let i = 0; i < 4; i += 1) c.push(await answer(trusted.url, '198.51.100.7, 203.0.113.9'));
      assert.deepEqual(c, [200, 200, 200, 429], 'the client is the rightmost address not a proxy');
    } finally {
      await untrusted.close();
      await trusted.close();
    }
  });
});
