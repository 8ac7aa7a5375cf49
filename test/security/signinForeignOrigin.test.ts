import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { freeUdpPort } from '../helpers/freePort.js';
import { postJson } from '../helpers/rawHttp.js';
import { dumpDatabase } from '../helpers/sqliteDump.js';
import { startTestServer } from '../helpers/testServer.js';
import { signBytes } from '../server/chain/chainFixtures.js';

/**
 * Attack: a page on another origin drives sign-in from the victim's browser (the browser sends
 * its `Origin`). Challenge and sign-in are refused with 403 naming `origin` unless the Origin's
 * host is the SIWS domain or the origin is listed in `server.corsOrigins`; nothing is stored
 * and the challenge is not spent.
 */
describe('security: sign-in from a foreign Origin', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  const user = Keypair.generate();
  const wallet = user.publicKey.toBase58();
  const dump = (): string => dumpDatabase(ctx.server.identity.database);
  /** Asserts a 403 naming `origin` and an unchanged database. */
  const refused = async (path: string, origin: string, body: unknown): Promise<void> => {
    const before = dump();
    const res = await postJson(ctx.url, path, body, { origin });
    assert.equal(res.status, 403, `${path} from ${origin}: ${JSON.stringify(res.json)}`);
    assert.equal(res.json.field, 'origin');
    assert.match(String(res.json.error), /origin/);
    assert.equal(dump(), before, `${path} from ${origin}: the database is unchanged`);
  };

  before(async () => {
    ctx = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 10, bitrateKbps: 200 },
      ]),
      ECS_SERVER__CORS_ORIGINS: JSON.stringify(['https://app.example.org']),
    });
  });
  after(async () => {
    await ctx?.close();
  });

  it('refuses a challenge asked from evil.example, a null origin or another port', async () => {
    for (const origin of [
      'https://evil.example',
      'null',
      `http://127.0.0.1:${ctx.server.port + 1}`,
      'http://localhost',
    ]) {
      await refused('/api/session/challenge', origin, { wallet });
    }
  });

  it('refuses the sign-in from evil.example without spending the challenge; the page itself then signs in', async () => {
    const challenge = await postJson(ctx.url, '/api/session/challenge', { wallet });
    assert.equal(challenge.status, 200, JSON.stringify(challenge.json));
    const message = challenge.json.message as string;
    const body = { message, signature: bs58.encode(signBytes(user, Buffer.from(message))) };
    await refused('/api/session/signin', 'https://evil.example', body);
    const own = await postJson(ctx.url, '/api/session/signin', body, { origin: `http://127.0.0.1:${ctx.server.port}` });
    assert.equal(own.status, 200, JSON.stringify(own.json));
    assert.equal((own.json.session as Record<string, unknown>).wallet, wallet);
  });

  it('accepts an origin listed in server.corsOrigins', async () => {
    const res = await postJson(ctx.url, '/api/session/challenge', { wallet }, { origin: 'https://app.example.org' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
  });
});
