import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { dumpDatabase } from '../helpers/sqliteDump.js';
import { startTestServer } from '../helpers/testServer.js';
import { waitFor, WalletFlow } from '../helpers/walletFlow.js';

/**
 * Attack: an operator is demoted (the server restarts with another `auth.operatorWallet`, same
 * data folder, so the JWT key and the session survive) and keeps using the session token they
 * got as operator, whose claims say `role: operator`. The role comes from the configuration on
 * each request: the next operator request is 403 and changes nothing.
 */
describe('security: a demoted operator', { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-demoted-'));
  const former = Keypair.generate();
  const successor = Keypair.generate();
  let ctx: Awaited<ReturnType<typeof startTestServer>> | undefined;
  const start = async (operator: Keypair): Promise<Awaited<ReturnType<typeof startTestServer>>> => {
    const started = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 10, bitrateKbps: 200 },
      ]),
      ECS_STORAGE__DATA_DIR: dataDir,
      ECS_AUTH__OPERATOR_WALLET: operator.publicKey.toBase58(),
    });
    // The probe route needs camerad connected (503 before).
    await waitFor(() => started.server.cameras.get('cam')?.running === true, 'camerad connected', 30_000);
    return started;
  };
  after(async () => {
    await ctx?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gets 403 on the next operator request after the restart', async () => {
    ctx = await start(former);
    const { token, session } = await new WalletFlow(ctx.url).signIn(former);
    assert.equal(session.role, 'operator');
    const asOperator = await new WalletFlow(ctx.url).call('POST', '/api/cameras/cam/probe', { enabled: false }, token);
    assert.equal(asOperator.status, 200, `the operator may, before: ${JSON.stringify(asOperator.json)}`);
    await ctx.close();

    ctx = await start(successor);
    const flow = new WalletFlow(ctx.url);
    // The session survived the restart: the token still authenticates…
    const me = await flow.call('GET', '/api/session', undefined, token);
    assert.equal(me.status, 200, JSON.stringify(me.json));
    assert.equal((me.json.session as Record<string, unknown>).role, 'user', 'the session shows the role it has now');
    // …but no longer as the operator.
    const before = dumpDatabase(ctx.server.identity.database);
    const probe = await flow.call('POST', '/api/cameras/cam/probe', { enabled: true }, token);
    assert.equal(probe.status, 403, JSON.stringify(probe.json));
    assert.match(String(probe.json.error), /operator/);
    const purge = await flow.call('POST', '/api/biometrics/purge', { wallet: successor.publicKey.toBase58() }, token);
    assert.equal(purge.status, 403, JSON.stringify(purge.json));
    assert.equal(dumpDatabase(ctx.server.identity.database), before, 'the database is unchanged');
    const active = await flow.call('GET', '/api/session/active', undefined, token);
    assert.equal(active.status, 200);
    assert.deepEqual(
      (active.json.sessions as { wallet: string }[]).map((s) => s.wallet),
      [former.publicKey.toBase58()],
      'a user lists only their own sessions',
    );
    // The new operator has the role.
    const { token: successorToken, session: successorSession } = await flow.signIn(successor);
    assert.equal(successorSession.role, 'operator');
    const allowed = await flow.call('POST', '/api/cameras/cam/probe', { enabled: false }, successorToken);
    assert.equal(allowed.status, 200, JSON.stringify(allowed.json));
  });
});
