import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { dumpDatabase } from '../helpers/sqliteDump.js';
import { SvmRpcServer } from '../helpers/svm/SvmRpcServer.js';
import { startTestServer } from '../helpers/testServer.js';
import { WalletFlow } from '../helpers/walletFlow.js';

/** Every file under `dir`, recursively (relative names), or [] when it does not exist. */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name).slice(dir.length))
      .sort();
  } catch {
    return [];
  }
}

/**
 * A wallet made a second ago signs in and tries what needs a check-in at the camera: photos,
 * recordings, enrolment from the camera. With a chain configured (`auth.requireCheckin` is on
 * by default then) each is refused with 403 and nothing is stored; after an on-chain check-in
 * (real SVM behind the JSON-RPC front) the same wallet takes a photo.
 */
describe('check-in before power', { timeout: 180_000 }, () => {
  const fresh = Keypair.generate();
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-checkin-power-'));
  let svm: SvmRpcServer;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;

  before(async () => {
    svm = await SvmRpcServer.start();
    svm.airdrop(fresh.publicKey, LAMPORTS_PER_SOL);
    ctx = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([{ id: 'cam', source: 'test://', width: 320, height: 240, fps: 10 }]),
      ECS_STORAGE__DATA_DIR: dataDir,
      ECS_CHAIN__RPC_URL: svm.url,
      ECS_CHAIN__CLUSTER: 'localnet',
      ECS_CHAIN__WATCHER_POLL_MS: '600000',
    });
    await ctx.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
    flow = new WalletFlow(ctx.url);
  });

  after(async () => {
    flow?.close();
    await ctx?.close();
    await svm?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a fresh signed-in wallet gets 403 on capture, record and enrol, and nothing is stored; after check-in it may capture', async () => {
    const { token } = await flow.signIn(fresh);
    const db = ctx.server.identity.database;
    const dbBefore = dumpDatabase(db);
    const filesBefore = filesUnder(join(dataDir, 'media'));
    for (const path of [
      '/api/capture',
      '/api/record/start',
      '/api/record',
      '/api/face/enroll',
      '/api/face/enroll/challenge',
      '/api/face/enroll/requests',
    ]) {
      const res = await flow.call('POST', path, {}, token);
      assert.equal(res.status, 403, `${path}: ${res.status} ${JSON.stringify(res.json)}`);
      assert.match(String(res.json.error), /check in at this camera first/);
    }
    assert.equal(dumpDatabase(db), dbBefore, 'a refused request changed the database');
    assert.deepEqual(filesUnder(join(dataDir, 'media')), filesBefore, 'a refused request wrote media');

    const checkin = await flow.signAndSubmit('checkin', token, { showName: false }, fresh);
    assert.equal(checkin.status, 200, JSON.stringify(checkin.json));
    const photo = await flow.call('POST', '/api/capture', {}, token);
    assert.equal(photo.status, 201, JSON.stringify(photo.json));
    assert.equal(filesUnder(join(dataDir, 'media')).length, filesBefore.length + 1);
  });
});
