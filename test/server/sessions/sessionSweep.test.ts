import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { Keypair } from '@solana/web3.js';
import { AuditLog } from '../../../server/biometrics/AuditLog.js';
import { BiometricVault } from '../../../server/biometrics/BiometricVault.js';
import { biometricsMigrations } from '../../../server/biometrics/biometricsMigrations.js';
import { chainMigrations } from '../../../server/chain/chainMigrations.js';
import { CHALLENGE_PRUNE_GRACE_MS, SignInChallenges } from '../../../server/chain/SignInChallenges.js';
import { SessionLifecycle, TIMEOUT_ACTOR } from '../../../server/sessions/SessionLifecycle.js';
import { SessionManager } from '../../../server/sessions/SessionManager.js';
import { sessionMigrations } from '../../../server/sessions/sessionMigrations.js';
import { AppDatabase } from '../../../server/store/AppDatabase.js';
import { testLogger } from '../../helpers/logger.js';

const TIMEOUTS = { idleTimeoutS: 60, absoluteTimeoutS: 3600, refreshTtlS: 7200, endedSessionRetentionS: 600 };

/**
 * The 15 s sweep, one step at a time under a controlled clock, on a real SQLite store with the
 * real biometric vault and audit log: timed-out sessions end and purge unless "keep", ended
 * sessions are deleted after their retention, expired refresh tokens and challenges go, and a
 * failing store does not stop the others.
 */
describe('session sweep: timeouts purge, state is pruned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-sweep-'));
  let database: AppDatabase;
  let sessions: SessionManager;
  let vault: BiometricVault;
  let audit: AuditLog;
  let challenges: SignInChallenges;
  let lifecycle: SessionLifecycle;
  let clock = Date.parse('2025-06-01T12:00:00.000Z');
  const now = (): number => clock;
  const failing = { name: 'failing', prune: (): number => 0 };
  let counted = 0;
  const count = (table: string): number =>
    (database.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const checkIn = (wallet: string, keepEnrolment: boolean): void => {
    lifecycle.onChainEvent({
      kind: 'checkin',
      cameraId: 'cam',
      wallet,
      signature: `sig-${wallet}`,
      slot: 1,
      blockTime: null,
      consent: { showName: false, keepEnrolment },
    } as Parameters<SessionLifecycle['onChainEvent']>[0]);
  };

  beforeEach(() => {
    database = AppDatabase.open(
      join(dir, `${randomBytes(4).toString('hex')}.db`),
      [...sessionMigrations, ...chainMigrations, ...biometricsMigrations],
      testLogger,
    );
    sessions = new SessionManager({ database, timeouts: TIMEOUTS, now, logger: testLogger });
    audit = new AuditLog(database, now);
    vault = new BiometricVault({ database, masterKey: randomBytes(32), audit, dataDir: dir, now, logger: testLogger });
    challenges = new SignInChallenges({
      database,
      cluster: 'devnet',
      challengeTtlS: 60,
      site: () => ({ domain: 'cam.example', uri: 'https://cam.example/' }),
      maxChallengesPerWallet: 5,
      maxChallenges: 100,
      now,
      logger: testLogger,
    });
    counted = 0;
    failing.prune = () => {
      throw new Error('disk on fire');
    };
    lifecycle = new SessionLifecycle({
      sessions,
      purger: vault,
      audit,
      roleOf: () => 'user',
      events: { emitIdentity: () => undefined, disconnectWallet: () => undefined },
      prunables: [
        failing,
        { name: 'challenges', prune: () => challenges.prune() },
        { name: 'counter', prune: () => (counted += 1) },
      ],
      logger: testLogger,
      now,
    });
  });
  afterEach(async () => {
    lifecycle.close();
    await vault.whenScrubbed();
    database.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ends idle sessions, purges the checked-in one without keep, keeps the one with keep and the one never checked in', async () => {
    const [leaver, keeper, visitor] = [0, 1, 2].map(() => Keypair.generate().publicKey.toBase58()) as [
      string,
      string,
      string,
    ];
    checkIn(leaver, false);
    checkIn(keeper, true);
    sessions.signIn('cam', visitor, 'user');
    for (const w of [leaver, keeper, visitor]) vault.put(w, 'embedding', new Uint8Array(16).fill(1), { actor: 'test' });

    clock += 59_000;
    assert.equal(lifecycle.sweep(), 0, 'not idle long enough');
    assert.equal(vault.hasData(leaver), true);
    clock += 1_000;
    assert.equal(lifecycle.sweep(), 3);
    assert.equal(vault.hasData(leaver), false, 'checked in without keep: purged');
    assert.equal(vault.hasData(keeper), true, 'keep: kept');
    assert.equal(vault.hasData(visitor), true, 'never checked in this session: no consent to act on');
    const purge = audit.list({ wallet: leaver }).find((e) => e.action === 'biometrics.purge');
    assert.equal(purge?.actor, TIMEOUT_ACTOR);
    assert.deepEqual(
      audit
        .list()
        .filter((e) => e.action === 'session.timeout')
        .map((e) => e.wallet)
        .sort(),
      [keeper, leaver].sort(),
    );
    assert.equal(audit.verify().ok, true);
    assert.equal(counted, 2, 'a failing store does not stop the others from being pruned');
  });

  it('purges at an absolute timeout noticed by a later check-in of the same wallet (before any sweep)', () => {
    const wallet = Keypair.generate().publicKey.toBase58();
    checkIn(wallet, false);
    vault.put(wallet, 'embedding', new Uint8Array(16).fill(1), { actor: 'test' });
    // Used all along (never idle), until the absolute timeout passes.
    for (let t = 0; t < 3600; t += 30) {
      clock += 30_000;
      sessions.touch(sessions.openFor('cam', wallet)?.id ?? 'none');
    }
    const { session } = sessions.signIn('cam', wallet, 'user');
    assert.equal(vault.hasData(wallet), false);
    const ended = sessions.listOpen('cam', wallet);
    assert.deepEqual(
      ended.map((s) => s.id),
      [session.id],
    );
    assert.equal(audit.list({ wallet }).find((e) => e.action === 'session.timeout')?.detail?.reason, 'absolute');
  });

  it('deletes ended sessions after their retention with their refresh tokens, and expired refresh tokens', () => {
    const a = sessions.signIn('cam', Keypair.generate().publicKey.toBase58(), 'user');
    const b = sessions.signIn('cam', Keypair.generate().publicKey.toBase58(), 'user');
    const spent = sessions.refresh(b.refreshToken);
    assert.ok(spent.ok);
    sessions.end(a.session.id);
    assert.equal(count('sessions'), 2);
    clock += 600_000;
    sessions.touch(b.session.id);
    lifecycle.sweep();
    assert.equal(count('sessions'), 2, 'within the retention');
    clock += 1;
    sessions.touch(b.session.id);
    lifecycle.sweep();
    assert.equal(count('sessions'), 1, 'the ended one is gone');
    assert.equal(sessions.get(a.session.id), undefined);
    assert.equal(count('refresh_tokens'), 2, "b's live and spent tokens remain");
    // b ends at its absolute timeout; its tokens go with it; then after the retention, b goes.
    clock += 3600_000;
    lifecycle.sweep();
    assert.equal(count('refresh_tokens'), 0);
    clock += 600_001;
    lifecycle.sweep();
    assert.equal(count('sessions'), 0);
  });

  it('prunes challenges expired more than the grace ago', () => {
    for (let i = 0; i < 3; i++) challenges.issue({ wallet: Keypair.generate().publicKey.toBase58(), cameraId: 'cam' });
    clock += 60_000 + CHALLENGE_PRUNE_GRACE_MS;
    challenges.issue({ wallet: Keypair.generate().publicKey.toBase58(), cameraId: 'cam' });
    lifecycle.sweep();
    assert.equal(count('chain_signin_challenges'), 4, 'within the grace');
    clock += 1;
    lifecycle.sweep();
    assert.equal(count('chain_signin_challenges'), 1, 'only the fresh one is left');
  });
});
