import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
} from '@solana/web3.js';
import bs58 from 'bs58';
import { SignJWT } from 'jose';
import { MEMO_PROGRAM_ID } from '../../../server/chain/programIds.js';
import type { SessionChainEvent } from '../../../server/events/EventCatalogue.js';
import { freeUdpPort } from '../../helpers/freePort.js';
import { SvmRpcServer } from '../../helpers/svm/SvmRpcServer.js';
import { startTestServer } from '../../helpers/testServer.js';
import { signBytes } from '../chain/chainFixtures.js';
import { type Answer, waitFor, WalletFlow } from '../../helpers/walletFlow.js';

/**
 * The whole wallet-session flow over HTTP and socket.io against the real server (with camerad)
 * and the real Solana VM (litesvm behind the test JSON-RPC front): sign-in, check-in built by the
 * server, signed by the user's keypair, relayed and confirmed, seen by the chain watcher and
 * announced to the user's socket; check-out ends the session and crypto-shreds the biometric
 * data; the audit chain verifies. Then every kind of bad input: 4xx with a message and the
 * database's `.dump` unchanged.
 */
describe('wallet sessions, check-in on chain and purge at check-out', { timeout: 180_000 }, () => {
  const user = Keypair.generate();
  const other = Keypair.generate();
  const operator = Keypair.generate();
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-session-'));
  let svm: SvmRpcServer;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;

  let flow: WalletFlow;
  const call = (method: string, path: string, body?: unknown, token?: string): Promise<Answer> =>
    flow.call(method, path, body, token);
  const signIn = (keypair: Keypair) => flow.signIn(keypair);
  const signAndSubmit = (kind: 'checkin' | 'checkout', token: string, body: unknown, signer: Keypair) =>
    flow.signAndSubmit(kind, token, body, signer);
  const connect = (auth: Record<string, string>) => flow.connect(auth);
  /** The SQLite `.dump` of the server's database, read by the sqlite3 shell. */
  const dump = (): string =>
    execFileSync('sqlite3', ['-readonly', join(dataDir, 'server.db'), '.dump'], { encoding: 'utf8' });
  /** Asserts a request is refused with `status` and a message, and that it changed nothing. */
  const refused = async (
    status: number,
    request: () => Promise<{ status: number; json: Record<string, unknown> }>,
    pattern: RegExp,
  ): Promise<void> => {
    const before = dump();
    const res = await request();
    assert.equal(res.status, status, JSON.stringify(res.json));
    assert.match(String(res.json.error), pattern);
    assert.equal(dump(), before, 'the database is unchanged');
  };

  before(async () => {
    svm = await SvmRpcServer.start();
    for (const k of [user, other, operator]) svm.airdrop(k.publicKey, LAMPORTS_PER_SOL);
    ctx = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 10, bitrateKbps: 200 },
      ]),
      ECS_STORAGE__DATA_DIR: dataDir,
      ECS_CHAIN__RPC_URL: svm.url,
      ECS_CHAIN__CLUSTER: 'localnet',
      // Long enough that no background poll runs between a request and the dump after it; the
      // watcher still polls at once after each submit (its "next poll").
      ECS_CHAIN__WATCHER_POLL_MS: '600000',
      ECS_AUTH__OPERATOR_WALLET: operator.publicKey.toBase58(),
      ECS_AUTH__CHALLENGE_TTL_S: '10',
    });
    flow = new WalletFlow(ctx.url);
  });

  after(async () => {
    flow?.close();
    await ctx?.close();
    await svm?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in, checks in on chain, hears it on socket.io, checks out and purges', async () => {
    const { token, session } = await signIn(user);
    assert.equal(session.wallet, user.publicKey.toBase58());
    assert.equal(session.role, 'user');
    assert.equal(session.checkedIn, false);

    const mine = await connect({ token });
    const anonymous = await connect({ cameraId: 'cam' });
    const operatorSocket = await connect({ token: (await signIn(operator)).token });
    const otherUserSocket = await connect({ token: (await signIn(other)).token });
    const heard: { event: string; payload: SessionChainEvent }[] = [];
    const operatorHeard: string[] = [];
    const notForThem: string[] = [];
    for (const event of ['session:checkin', 'session:checkout'] as const) {
      mine.on(event, (payload) => heard.push({ event, payload }));
      operatorSocket.on(event, (payload) => operatorHeard.push(`${event} ${payload.wallet}`));
      anonymous.on(event, () => notForThem.push(`anonymous ${event}`));
      otherUserSocket.on(event, () => notForThem.push(`other user ${event}`));
    }

    const checkin = await signAndSubmit('checkin', token, { showName: true, keepEnrolment: false }, user);
    assert.equal(checkin.status, 200, JSON.stringify(checkin.json));
    assert.equal(checkin.json.kind, 'checkin');
    const afterCheckin = checkin.json.session as Record<string, unknown>;
    assert.equal(afterCheckin.checkedIn, true);
    assert.equal(afterCheckin.checkinSignature, checkin.json.signature);
    assert.deepEqual(afterCheckin.consent, { showName: true, keepEnrolment: false });
    // The check-in is on chain: the camera's address lists it.
    const {
      value: [onChain],
    } = await svm.call<{ value: ({ err: unknown } | null)[] }>('getSignatureStatuses', [[checkin.json.signature]]);
    assert.ok(onChain && onChain.err === null, 'confirmed on the SVM without error');

    await waitFor(() => heard.some((h) => h.event === 'session:checkin'), 'session:checkin reaches the user');
    const event = heard.find((h) => h.event === 'session:checkin')!.payload;
    assert.equal(event.wallet, user.publicKey.toBase58());
    assert.equal(event.cameraId, 'cam');
    assert.equal(event.signature, checkin.json.signature);

    // Face data (the enrolment arrives with the faces issue): stored encrypted for this wallet.
    const { vault, audit } = ctx.server.identity;
    vault.put(user.publicKey.toBase58(), 'embedding', new Uint8Array(2048).fill(7), { actor: 'test' });
    assert.equal(vault.hasData(user.publicKey.toBase58()), true);

    const checkout = await signAndSubmit('checkout', token, {}, user);
    assert.equal(checkout.status, 200, JSON.stringify(checkout.json));
    assert.equal(checkout.json.kind, 'checkout');
    await waitFor(() => heard.some((h) => h.event === 'session:checkout'), 'session:checkout reaches the user');

    // The session ended: its token no longer works.
    const me = await call('GET', '/api/session', undefined, token);
    assert.equal(me.status, 401);
    assert.match(String(me.json.error), /session ended/);
    // Purged (no keep-enrolment consent), and the audit log says so and verifies.
    assert.equal(vault.hasData(user.publicKey.toBase58()), false);
    const purges = audit
      .list({ wallet: user.publicKey.toBase58() })
      .filter((e) => e.action === 'biometrics.purge' && e.actor === 'system:checkout');
    assert.equal(purges.length, 1, 'one purge at check-out, audited');
    const actions = audit.list({ wallet: user.publicKey.toBase58() }).map((e) => e.action);
    assert.ok(actions.includes('session.checkin') && actions.includes('session.checkout'), actions.join());
    assert.equal(audit.verify().ok, true);
    const cli = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'server/cli/audit.ts', 'verify', '--data-dir', dataDir],
      { encoding: 'utf8' },
    );
    assert.match(cli, /ok|verif/i);
    assert.deepEqual(
      operatorHeard,
      [`session:checkin ${user.publicKey.toBase58()}`, `session:checkout ${user.publicKey.toBase58()}`],
      'the operator hears both',
    );
    assert.deepEqual(notForThem, [], 'anonymous subscribers and other users hear no identity events');
  });

  describe('bad input: 4xx with a message, and the database unchanged', () => {
    let userToken: string;
    let operatorToken: string;
    let operatorSessionId: string;
    let expiring: { message: string };
    before(async () => {
      expiring = (await call('POST', '/api/session/challenge', { wallet: other.publicKey.toBase58() })).json as {
        message: string;
      };
      ({ token: userToken } = await signIn(user));
      const op = await signIn(operator);
      operatorToken = op.token;
      operatorSessionId = op.session.id as string;
      assert.equal(op.session.role, 'operator');
    });

    it('refuses a replayed nonce', async () => {
      const challenge = await call('POST', '/api/session/challenge', { wallet: other.publicKey.toBase58() });
      const message = challenge.json.message as string;
      const signature = bs58.encode(signBytes(other, Buffer.from(message)));
      assert.equal((await call('POST', '/api/session/signin', { message, signature })).status, 200);
      await refused(400, () => call('POST', '/api/session/signin', { message, signature }), /nonce|used/i);
    });

    it('refuses a message with the wrong domain, a tampered message, another key, malformed base58', async () => {
      const challenge = await call('POST', '/api/session/challenge', { wallet: other.publicKey.toBase58() });
      const message = challenge.json.message as string;
      const domain = challenge.json.domain as string;
      const wrongDomain = message.replace(domain, 'evil.example');
      await refused(
        400,
        () =>
          call('POST', '/api/session/signin', {
            message: wrongDomain,
            signature: bs58.encode(signBytes(other, Buffer.from(wrongDomain))),
          }),
        /domain/i,
      );
      const tampered = message.replace('Version: 1', 'Version: 2');
      await refused(
        400,
        () =>
          call('POST', '/api/session/signin', {
            message: tampered,
            signature: bs58.encode(signBytes(other, Buffer.from(message))),
          }),
        /.+/,
      );
      await refused(
        400,
        () =>
          call('POST', '/api/session/signin', {
            message,
            signature: bs58.encode(signBytes(user, Buffer.from(message))),
          }),
        /signature/i,
      );
      await refused(400, () => call('POST', '/api/session/signin', { message, signature: '0OIl+/' }), /base58/i);
      await refused(400, () => call('POST', '/api/session/challenge', { wallet: '0OIl-not-base58' }), /base58/i);
    });

    it('refuses transactions signed by the wrong wallet, not built here, or for another camera', async () => {
      const wrongSigner = await (async () => {
        const built = await call('POST', '/api/session/checkin/tx', {}, userToken);
        assert.equal(built.status, 200, JSON.stringify(built.json));
        const tx = Transaction.from(Buffer.from(built.json.transaction as string, 'base64'));
        // Signed by another key in the user's place: the signature does not verify.
        const sig = signBytes(other, tx.serializeMessage());
        tx.addSignature(user.publicKey, sig);
        return tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64');
      })();
      await refused(400, () => call('POST', '/api/session/submit', { transaction: wrongSigner }, userToken), /signed/i);

      const handMade = async (memo: string): Promise<string> => {
        const {
          value: { blockhash },
        } = await svm.call<{ value: { blockhash: string } }>('getLatestBlockhash');
        const config = await call('GET', '/api/session/config');
        const tx = new Transaction({ feePayer: user.publicKey, recentBlockhash: blockhash }).add(
          new TransactionInstruction({
            programId: MEMO_PROGRAM_ID,
            keys: [{ pubkey: user.publicKey, isSigner: true, isWritable: false }],
            data: Buffer.from(memo),
          }),
          SystemProgram.transfer({
            fromPubkey: user.publicKey,
            toPubkey: new PublicKey(config.json.cameraAddress as string),
            lamports: 0,
          }),
        );
        tx.sign(user);
        return tx.serialize().toString('base64');
      };
      const notBuilt = await handMade('mmoment:checkin:cam:madebyclient');
      await refused(400, () => call('POST', '/api/session/submit', { transaction: notBuilt }, userToken), /not built/i);
      const otherCamera = await handMade('mmoment:checkin:another-camera:abcdefgh');
      await refused(
        400,
        () => call('POST', '/api/session/submit', { transaction: otherCamera }, userToken),
        /not built/i,
      );
      await refused(
        400,
        () => call('POST', '/api/session/submit', { transaction: '%%%not base64%%%' }, userToken),
        /base64|transaction/i,
      );
    });

    it('refuses forged and expired session tokens', async () => {
      const forged = await new SignJWT({ sid: 'x', cam: 'cam', role: 'operator' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(operator.publicKey.toBase58())
        .setIssuer('edge-camera-server')
        .setAudience('ecs-session')
        .setExpirationTime('5m')
        .sign(new Uint8Array(32).fill(1));
      await refused(401, () => call('GET', '/api/session/active', undefined, forged), /not valid/i);
      const secret = readFileSync(join(dataDir, 'jwt.key'));
      const expired = await new SignJWT({ sid: operatorSessionId, cam: 'cam', role: 'operator' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(operator.publicKey.toBase58())
        .setIssuer('edge-camera-server')
        .setAudience('ecs-session')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
        .sign(secret);
      await refused(401, () => call('POST', '/api/session/end', {}, expired), /expired/i);
      await refused(401, () => call('POST', '/api/session/checkin/tx', {}), /sign in/i);
    });

    it("refuses a user on operator routes and on another wallet's session", async () => {
      await refused(403, () => call('POST', '/api/cameras/cam/probe', { enabled: true }, userToken), /operator/i);
      await refused(
        403,
        () => call('POST', '/api/session/end', { sessionId: operatorSessionId }, userToken),
        /another wallet/i,
      );
      await refused(
        403,
        () => call('POST', '/api/biometrics/purge', { wallet: operator.publicKey.toBase58() }, userToken),
        /operator/i,
      );
      // The operator may use the route the user may not.
      const probe = await call('POST', '/api/cameras/cam/probe', { enabled: false }, operatorToken);
      assert.equal(probe.status, 200, JSON.stringify(probe.json));
    });

    it('refuses an expired challenge', async () => {
      // challengeTtlS is 10 s in this server (the smallest allowed); the challenge was issued in `before`.
      await new Promise((r) => setTimeout(r, 10_500));
      const signature = bs58.encode(signBytes(other, Buffer.from(expiring.message)));
      await refused(
        400,
        () => call('POST', '/api/session/signin', { message: expiring.message, signature }),
        /expired/i,
      );
    });
  });
});
