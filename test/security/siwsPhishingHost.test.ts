import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { freeUdpPort } from '../helpers/freePort.js';
import { postJson } from '../helpers/rawHttp.js';
import { dumpDatabase } from '../helpers/sqliteDump.js';
import { startTestServer } from '../helpers/testServer.js';
import { signBytes } from '../server/chain/chainFixtures.js';

/** One small test:// camera, so the server starts quickly. */
const camera = async (): Promise<Record<string, string>> => ({
  ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
  ECS_CAMERAS: JSON.stringify([{ id: 'cam', source: 'test://', width: 320, height: 240, fps: 10, bitrateKbps: 200 }]),
});

/**
 * Attack: a page on evil.example asks this server for a Sign-In With Solana challenge, relaying
 * `Host: evil.example` (a tunnel or proxy that passes any Host through). Were the message's
 * domain taken from Host, it would name evil.example, the wallet's origin check on that page
 * would pass, and the signature would open a session here. The challenge must name the
 * configured domain and URI whatever the request says.
 */
describe('security: a phishing Host does not reach the sign-in message', { timeout: 120_000 }, () => {
  describe('with server.publicUrl (and a proxy that lets every Host through)', () => {
    let ctx: Awaited<ReturnType<typeof startTestServer>>;
    before(async () => {
      ctx = await startTestServer({
        ...(await camera()),
        ECS_SERVER__PUBLIC_URL: 'https://cam.example.org',
        // The attack needs the request to get through: say the Host check lets it.
        ECS_SERVER__ALLOWED_HOSTS: JSON.stringify(['cam.example.org', 'evil.example']),
      });
    });
    after(async () => {
      await ctx?.close();
    });

    it('names the configured domain and URI for Host: evil.example, and stores nothing of the Host', async () => {
      const user = Keypair.generate();
      const res = await postJson(
        ctx.url,
        '/api/session/challenge',
        { wallet: user.publicKey.toBase58() },
        { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
      );
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const message = res.json.message as string;
      assert.equal(res.json.domain, 'cam.example.org');
      assert.ok(message.startsWith('cam.example.org wants you to sign in with your Solana account:\n'), message);
      assert.match(message, /\nURI: https:\/\/cam\.example\.org\/\n/);
      assert.doesNotMatch(message, /evil/);
      const input = res.json.input as Record<string, unknown>;
      assert.equal(input.domain, 'cam.example.org');
      assert.equal(input.uri, 'https://cam.example.org/');
      // The stored row holds the configured values; nothing the request said but the wallet.
      const dump = dumpDatabase(ctx.server.identity.database);
      assert.doesNotMatch(dump, /evil/);
      const row = ctx.server.identity.database.db
        .prepare('SELECT domain, uri FROM chain_signin_challenges WHERE nonce = ?')
        .get(res.json.nonce) as { domain: string; uri: string };
      assert.deepEqual(row, { domain: 'cam.example.org', uri: 'https://cam.example.org/' });
    });

    it('refuses the message rewritten to the phishing domain, storing nothing', async () => {
      const user = Keypair.generate();
      const res = await postJson(
        ctx.url,
        '/api/session/challenge',
        { wallet: user.publicKey.toBase58() },
        { host: 'evil.example' },
      );
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const phished = (res.json.message as string).replace('cam.example.org wants', 'evil.example wants');
      const before = dumpDatabase(ctx.server.identity.database);
      const signin = await postJson(
        ctx.url,
        '/api/session/signin',
        { message: phished, signature: bs58.encode(signBytes(user, Buffer.from(phished))) },
        { host: 'evil.example' },
      );
      assert.equal(signin.status, 400, JSON.stringify(signin.json));
      assert.match(String(signin.json.error), /domain mismatch/);
      assert.equal(dumpDatabase(ctx.server.identity.database), before, 'the database is unchanged');
    });
  });

  describe('without server.publicUrl (loopback only)', () => {
    let ctx: Awaited<ReturnType<typeof startTestServer>>;
    before(async () => {
      ctx = await startTestServer(await camera());
    });
    after(async () => {
      await ctx?.close();
    });

    it('names 127.0.0.1:<bound port> whichever loopback name the request used', async () => {
      const { port } = ctx.server;
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
        const res = await postJson(
          ctx.url,
          '/api/session/challenge',
          { wallet: Keypair.generate().publicKey.toBase58() },
          { host },
        );
        assert.equal(res.status, 200, JSON.stringify(res.json));
        assert.equal(res.json.domain, `127.0.0.1:${port}`);
        assert.match(res.json.message as string, new RegExp(`\\nURI: http://127\\.0\\.0\\.1:${port}/\\n`));
      }
    });

    it('never names evil.example: refused, or named 127.0.0.1:<port>', async () => {
      const before = dumpDatabase(ctx.server.identity.database);
      const res = await postJson(
        ctx.url,
        '/api/session/challenge',
        { wallet: Keypair.generate().publicKey.toBase58() },
        { host: 'evil.example' },
      );
      assert.doesNotMatch(JSON.stringify(res.json), /evil\.example wants|URI: https?:\/\/evil/);
      if (res.status === 200) {
        assert.equal(res.json.domain, `127.0.0.1:${ctx.server.port}`);
      } else {
        // A server that checks Host refuses the request outright; then nothing is stored.
        assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
        assert.equal(dumpDatabase(ctx.server.identity.database), before, 'the database is unchanged');
      }
    });
  });
});
