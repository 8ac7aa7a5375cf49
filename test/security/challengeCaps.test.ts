import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { freeUdpPort } from '../helpers/freePort.js';
import { dumpDatabase } from '../helpers/sqliteDump.js';
import { startTestServer } from '../helpers/testServer.js';
import { WalletFlow } from '../helpers/walletFlow.js';
import { signBytes } from '../server/chain/chainFixtures.js';

const PER_WALLET = 3;
const TOTAL = 10;

/**
 * Attack: anonymous `POST /api/session/challenge` in a loop, for one wallet or for many, to grow
 * the challenge table without bound (each request used to write a row). The table holds at most
 * `auth.maxChallengesPerWallet` rows per wallet (a new challenge replaces that wallet's oldest)
 * and `auth.maxChallenges` in all (beyond it: 503 with Retry-After, nothing stored). Small caps
 * here; the request rate limits are raised so that only the caps are tested.
 */
describe('security: challenge floods stay within the caps', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;
  const rows = (wallet?: string): number =>
    (
      (wallet === undefined
        ? ctx.server.identity.database.db.prepare('SELECT count(*) AS n FROM chain_signin_challenges').get()
        : ctx.server.identity.database.db
            .prepare('SELECT count(*) AS n FROM chain_signin_challenges WHERE wallet = ?')
            .get(wallet)) as { n: number }
    ).n;
  const challenge = (wallet: string) => flow.call('POST', '/api/session/challenge', { wallet });

  before(async () => {
    const generous = JSON.stringify({ points: 100_000, windowS: 60 });
    ctx = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 10, bitrateKbps: 200 },
      ]),
      ECS_AUTH__MAX_CHALLENGES_PER_WALLET: String(PER_WALLET),
      ECS_AUTH__MAX_CHALLENGES: String(TOTAL),
      ECS_LIMITS__SIGNIN_PER_ADDRESS: generous,
      ECS_LIMITS__API_PER_ADDRESS: generous,
    });
    flow = new WalletFlow(ctx.url);
  });
  after(async () => {
    flow?.close();
    await ctx?.close();
  });

  it('one wallet asking 50 times holds 3 rows; the newest challenge signs in, a replaced one does not', async () => {
    const user = Keypair.generate();
    const wallet = user.publicKey.toBase58();
    const messages: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await challenge(wallet);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      messages.push(res.json.message as string);
      assert.ok(rows(wallet) <= PER_WALLET, `request ${i}: ${rows(wallet)} rows for the wallet`);
    }
    assert.equal(rows(wallet), PER_WALLET);
    const sign = (message: string) =>
      flow.call('POST', '/api/session/signin', {
        message,
        signature: bs58.encode(signBytes(user, Buffer.from(message))),
      });
    const replaced = await sign(messages[0]!);
    assert.equal(replaced.status, 400);
    assert.match(String(replaced.json.error), /unknown nonce/);
    const newest = await sign(messages.at(-1)!);
    assert.equal(newest.status, 200, JSON.stringify(newest.json));
  });

  it('many wallets fill the table to its cap; the next gets 503 + Retry-After and stores nothing', async () => {
    const statuses: number[] = [];
    let refusal: Awaited<ReturnType<typeof challenge>> | undefined;
    let retryAfter: string | null = null;
    for (let i = 0; i < 3 * TOTAL; i++) {
      const before = dumpDatabase(ctx.server.identity.database);
      const res = await fetch(`${ctx.url}/api/session/challenge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ wallet: Keypair.generate().publicKey.toBase58() }),
      });
      const json = (await res.json()) as Record<string, unknown>;
      statuses.push(res.status);
      if (res.status !== 200) {
        refusal = { status: res.status, json };
        retryAfter = res.headers.get('retry-after');
        assert.equal(dumpDatabase(ctx.server.identity.database), before, 'a refused challenge stores nothing');
      }
      assert.ok(rows() <= TOTAL, `request ${i}: the table holds ${rows()} rows, over the cap ${TOTAL}`);
    }
    assert.ok(statuses.includes(200), 'some were issued');
    assert.equal(refusal?.status, 503, JSON.stringify(refusal?.json));
    assert.match(String(refusal?.json.error), /too many sign-in challenges/);
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 300, `Retry-After: ${retryAfter}`);
    assert.equal(rows(), TOTAL);
    const issued = statuses.filter((s) => s === 200).length;
    assert.ok(issued <= TOTAL, `${issued} issued while the table was full`);
    assert.deepEqual(
      statuses.filter((s) => s !== 200 && s !== 503),
      [],
      'every refusal is a 503',
    );
  });
});
