import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { freeUdpPort } from '../helpers/freePort.js';
import { startTestServer } from '../helpers/testServer.js';
import { WalletFlow } from '../helpers/walletFlow.js';
import { signBytes } from '../server/chain/chainFixtures.js';

/**
 * Attack: a refresh token is stolen (or leaks from a log or a backup) and used by the thief
 * after the user has already rotated it, or before. Refresh tokens are single use; presenting a
 * spent one is reuse (OAuth 2.0 Security BCP, RFC 9700 §4.14.2): the server cannot tell thief
 * from user, so it ends the session. Both the access token and the newest refresh token of that
 * session stop working, and the audit log records it.
 */
describe('security: a reused refresh token', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;

  /** Signs in; returns the sign-in answer (token, refreshToken, session). */
  const signIn = async (keypair: Keypair): Promise<Record<string, unknown>> => {
    const challenge = await flow.call('POST', '/api/session/challenge', { wallet: keypair.publicKey.toBase58() });
    assert.equal(challenge.status, 200, JSON.stringify(challenge.json));
    const message = challenge.json.message as string;
    const res = await flow.call('POST', '/api/session/signin', {
      message,
      signature: bs58.encode(signBytes(keypair, Buffer.from(message))),
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json;
  };

  before(async () => {
    ctx = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 10, bitrateKbps: 200 },
      ]),
    });
    flow = new WalletFlow(ctx.url);
  });
  after(async () => {
    flow?.close();
    await ctx?.close();
  });

  it('ends the session when a spent refresh token is presented again', async () => {
    const user = Keypair.generate();
    const wallet = user.publicKey.toBase58();
    const first = await signIn(user);
    const sessionId = (first.session as Record<string, unknown>).id as string;
    const stolen = first.refreshToken as string;
    // The user rotates: the stolen copy is now spent.
    const rotated = await flow.call('POST', '/api/session/refresh', { refreshToken: stolen });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    const { token, refreshToken } = rotated.json as { token: string; refreshToken: string };
    assert.notEqual(refreshToken, stolen);
    assert.equal((await flow.call('GET', '/api/session', undefined, token)).status, 200);
    const socket = await flow.connect({ token });
    const disconnected = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));

    // The thief presents the spent token.
    const reuse = await flow.call('POST', '/api/session/refresh', { refreshToken: stolen });
    assert.equal(reuse.status, 401, JSON.stringify(reuse.json));
    assert.equal(reuse.json.field, 'refreshToken');
    assert.match(String(reuse.json.error), /already used/);

    // The session is ended: its current access token and its newest refresh token fail too.
    const me = await flow.call('GET', '/api/session', undefined, token);
    assert.equal(me.status, 401, JSON.stringify(me.json));
    assert.match(String(me.json.error), /session ended/);
    const first401 = await flow.call('GET', '/api/session', undefined, first.token as string);
    assert.equal(first401.status, 401);
    const newest = await flow.call('POST', '/api/session/refresh', { refreshToken });
    assert.equal(newest.status, 401, JSON.stringify(newest.json));
    await disconnected;
    const ended = ctx.server.identity.sessions.get(sessionId);
    assert.equal(ended?.endReason, 'revoked');
    // Audited.
    const entries = ctx.server.identity.audit.list({ wallet }).filter((e) => e.action === 'session.refresh-reuse');
    assert.equal(entries.length, 1, 'one audit entry for the reuse');
    assert.equal(entries[0]?.result, 'denied');
    assert.equal(ctx.server.identity.audit.verify().ok, true);

    // Signing in again opens a new session.
    const again = await signIn(user);
    assert.notEqual((again.session as Record<string, unknown>).id, sessionId);
  });

  it('ends the session when the thief rotated first and the user then presents the spent token', async () => {
    const user = Keypair.generate();
    const first = await signIn(user);
    const thief = await flow.call('POST', '/api/session/refresh', { refreshToken: first.refreshToken });
    assert.equal(thief.status, 200);
    const user401 = await flow.call('POST', '/api/session/refresh', { refreshToken: first.refreshToken });
    assert.equal(user401.status, 401);
    // The thief's freshly rotated tokens are now worthless.
    assert.equal((await flow.call('GET', '/api/session', undefined, thief.json.token as string)).status, 401);
    assert.equal(
      (await flow.call('POST', '/api/session/refresh', { refreshToken: thief.json.refreshToken })).status,
      401,
    );
  });

  it('still rotates normally many times (spent tokens are remembered within a bound)', async () => {
    const user = Keypair.generate();
    const signedIn = await signIn(user);
    const sessionId = (signedIn.session as Record<string, unknown>).id as string;
    let current = signedIn.refreshToken as string;
    const spent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const next = await flow.call('POST', '/api/session/refresh', { refreshToken: current });
      assert.equal(next.status, 200, `rotation ${i}: ${JSON.stringify(next.json)}`);
      spent.push(current);
      current = next.json.refreshToken as string;
    }
    const rows = ctx.server.identity.database.db
      .prepare('SELECT count(*) AS n FROM refresh_tokens WHERE session_id = ?')
      .get(sessionId) as { n: number };
    assert.equal(rows.n, 17, 'the newest 16 spent and the 1 live refresh token are kept');
    // The most recently spent one is still detected.
    assert.equal((await flow.call('POST', '/api/session/refresh', { refreshToken: spent.at(-1) })).status, 401);
    assert.equal((await flow.call('POST', '/api/session/refresh', { refreshToken: current })).status, 401);
  });
});
