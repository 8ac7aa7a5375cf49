import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { SvmRpcServer } from '../helpers/svm/SvmRpcServer.js';
import { startTestServer } from '../helpers/testServer.js';
import { waitFor, WalletFlow } from '../helpers/walletFlow.js';

/**
 * Attack (on privacy, by neglect): a user checks in, their face data is enrolled, and they walk
 * away without checking out; before this fix the session timed out and the encrypted embeddings
 * stayed. A session that ends by timeout now purges like a check-out unless the user chose
 * "keep" at check-in; the purge is audited with the actor `system:timeout`. Real chain (litesvm
 * behind the test JSON-RPC front), real server sweep (every 15 s), idle timeout 30 s (the least
 * allowed).
 */
describe('security: a session that times out purges biometric data', { timeout: 180_000 }, () => {
  const leaver = Keypair.generate();
  const keeper = Keypair.generate();
  let svm: SvmRpcServer;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;

  before(async () => {
    svm = await SvmRpcServer.start();
    for (const k of [leaver, keeper]) svm.airdrop(k.publicKey, LAMPORTS_PER_SOL);
    ctx = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 10, bitrateKbps: 200 },
      ]),
      ECS_CHAIN__RPC_URL: svm.url,
      ECS_CHAIN__CLUSTER: 'localnet',
      ECS_CHAIN__WATCHER_POLL_MS: '600000',
      ECS_AUTH__IDLE_TIMEOUT_S: '30',
    });
    flow = new WalletFlow(ctx.url);
  });
  after(async () => {
    flow?.close();
    await ctx?.close();
    await svm?.close();
  });

  it('purges the user who did not choose keep and keeps the one who did, audited as system:timeout', async () => {
    const { vault, audit, sessions } = ctx.server.identity;
    const checkedIn: Record<string, { token: string; sessionId: string }> = {};
    for (const [keypair, keepEnrolment] of [
      [leaver, false],
      [keeper, true],
    ] as const) {
      const { token, session } = await flow.signIn(keypair);
      const res = await flow.signAndSubmit('checkin', token, { showName: false, keepEnrolment }, keypair);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal((res.json.session as Record<string, unknown>).checkedIn, true);
      const wallet = keypair.publicKey.toBase58();
      vault.put(wallet, 'embedding', new Uint8Array(2048).fill(7), { actor: 'test' });
      assert.equal(vault.hasData(wallet), true);
      checkedIn[wallet] = { token, sessionId: session.id as string };
    }
    const leaverWallet = leaver.publicKey.toBase58();
    const keeperWallet = keeper.publicKey.toBase58();
    const socket = await flow.connect({ token: checkedIn[leaverWallet]!.token });
    const expired: string[] = [];
    socket.on('session:expired', (e) => expired.push(`${e.wallet} ${e.reason}`));

    // Nobody uses either session: 30 s idle, then the next sweep (≤ 15 s) ends both.
    await waitFor(() => !vault.hasData(leaverWallet), 'the idle session is purged', 60_000);
    await waitFor(() => sessions.get(checkedIn[keeperWallet]!.sessionId)?.endReason === 'idle', 'keeper ends', 20_000);

    assert.equal(sessions.get(checkedIn[leaverWallet]!.sessionId)?.endReason, 'idle');
    assert.equal(vault.hasData(keeperWallet), true, 'keep at check-in: the data stays');
    const purges = audit
      .list({ wallet: leaverWallet })
      .filter((e) => e.action === 'biometrics.purge' && e.actor === 'system:timeout');
    assert.equal(purges.length, 1, 'one purge, audited with the actor system:timeout');
    const timeouts = audit.list({ wallet: leaverWallet }).filter((e) => e.action === 'session.timeout');
    assert.equal(timeouts.length, 1);
    assert.equal(
      audit.list({ wallet: keeperWallet }).filter((e) => e.action === 'biometrics.purge').length,
      0,
      'nothing purged for the keeper',
    );
    assert.equal(audit.verify().ok, true);
    // The tokens are dead and the socket was told.
    const me = await flow.call('GET', '/api/session', undefined, checkedIn[leaverWallet]!.token);
    assert.equal(me.status, 401);
    await waitFor(() => expired.includes(`${leaverWallet} idle`), 'session:expired reaches the user', 5_000);
  });
});
