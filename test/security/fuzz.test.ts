import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';
import fc from 'fast-check';
import type { AccessLevel } from '../../server/access/accessTypes.js';
import { limitsSchema } from '../../server/access/limitsConfig.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { dumpDatabase } from '../helpers/sqliteDump.js';
import { SvmRpcServer } from '../helpers/svm/SvmRpcServer.js';
import { startTestServer } from '../helpers/testServer.js';
import { WalletFlow, waitFor } from '../helpers/walletFlow.js';
import { WeriftTestClient } from '../helpers/weriftClient.js';
import { invalidBase58Address, invalidBase58Signature, invalidBase64Transaction } from './fuzz/encodingCases.js';
import { FuzzTally, GATE_STATUSES, VALIDATION_STATUSES } from './fuzz/FuzzTally.js';
import { type BodyCase, bodyCases, NoStrategyError, type SchemaNode } from './fuzz/jsonBodyCases.js';
import { type IssuedChallenge, siwsCases } from './fuzz/siwsCases.js';
import { trickleCases, whepOfferCases } from './fuzz/sdpCases.js';

/**
 * Property-based fuzzing of every request body the server parses (issue 12, "What it must show"
 * 2): each JSON-body operation of the OpenAPI document (so routes added later are covered), the
 * WHEP offer and trickle bodies, Sign-In With Solana, and the base58/base64 fields. Every case
 * carries a credential that passes its route's `x-access` and is invalid by construction, so it
 * reaches validation; every answer must be a 4xx with a JSON `{error}` message, never 2xx or 5xx,
 * and never 401/403/429 (which would mean it did not reach validation). Afterwards camerad (same
 * pid) and a WebRTC viewer still run, and the database and data folder are as before (apart
 * from the audit rows of refused admin requests, which the access model writes by design).
 *
 * FUZZ_SEED (default below) makes a run reproducible; FUZZ_RUNS sets the cases per group.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 1_204_2026);
const RUNS = Number(process.env.FUZZ_RUNS ?? 70);
/** Cases that must reach validation in all (issue 12). */
const MIN_VALIDATED = 2000;

const VIEWER = 'fuzz-viewer-link-token-0123456789';
const ADMIN = 'fuzz-admin-token-0123456789abcdef-0123456789';

/** `camelCase` → `CAMEL_CASE` (the `ECS_` environment override spelling). */
const envName = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** Every `limits.*` rate raised so far that no fuzz case meets a 429 (derived from the schema, so new limits are raised too). */
function raisedLimits(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(limitsSchema.parse({}))) {
    if (typeof value === 'object') env[`ECS_LIMITS__${envName(key)}__POINTS`] = '1000000';
  }
  return env;
}

/** Files under `dir` with their sizes, the SQLite files (which the server writes to) left out. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) return filesUnder(path);
      return /\.(db|sqlite3?)(-wal|-shm|-journal)?$/.test(name) ? [] : [`${path} ${st.size}`];
    });
}

/** An operation of the OpenAPI document with a request body. */
interface Operation {
  method: string;
  path: string;
  access: AccessLevel[];
  /** Admin action: written to the audit log, refused ones too. */
  audited: boolean;
  contentTypes: string[];
  jsonSchema: SchemaNode | undefined;
}

describe('fuzzing every request body with credentials that pass', { timeout: 300_000 }, () => {
  const user = Keypair.generate();
  const operator = Keypair.generate();
  const siwsWallets = [Keypair.generate(), Keypair.generate()];
  const tally = new FuzzTally();
  let svm: SvmRpcServer;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let flow: WalletFlow;
  let userToken: string;
  let operatorToken: string;
  let viewer: WeriftTestClient;
  let viewerId: string;
  /** An outstanding enrolment request of the user (for the operator's approve route). */
  let requestId: string;
  let offer: string;
  let realTx: string;
  let operations: Operation[];
  const challenges: IssuedChallenge[] = [];
  let dumpBefore: string;
  let filesBefore: string[];
  let auditBefore: number;
  let cameradPid: number | null;
  let operatorCases = 0;

  before(async () => {
    console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
    svm = await SvmRpcServer.start();
    for (const k of [user, operator]) svm.airdrop(k.publicKey, LAMPORTS_PER_SOL);
    ctx = await startTestServer({
      ...raisedLimits(),
      ECS_SERVER__TOKEN: VIEWER,
      ECS_SERVER__ADMIN_TOKEN: ADMIN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
      // The face routes answer 503 without it; analysis at its slowest, to leave the CPU to the fuzzing.
      ECS_VISION__ENABLED: 'true',
      ECS_FACES__ANALYSIS_FPS: '0.5',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([{ id: 'cam', source: 'test://', width: 320, height: 240, fps: 10 }]),
      ECS_CHAIN__RPC_URL: svm.url,
      ECS_CHAIN__CLUSTER: 'localnet',
      ECS_CHAIN__WATCHER_POLL_MS: '600000',
      ECS_AUTH__OPERATOR_WALLET: operator.publicKey.toBase58(),
    });
    const camera = ctx.server.cameras.get('cam')!;
    await camera.supervisor.waitRunning(30_000);
    flow = new WalletFlow(ctx.url);

    // A checked-in user, the operator, a real unsigned transaction, outstanding challenges.
    userToken = (await flow.signIn(user)).token;
    const checkin = await flow.signAndSubmit('checkin', userToken, { showName: false }, user);
    assert.equal(checkin.status, 200, JSON.stringify(checkin.json));
    operatorToken = (await flow.signIn(operator)).token;
    const built = await flow.call('POST', '/api/session/checkout/tx', {}, userToken);
    assert.equal(built.status, 200, JSON.stringify(built.json));
    realTx = built.json.transaction as string;
    const request = await flow.call('POST', '/api/face/enroll/requests', {}, userToken);
    assert.equal(request.status, 200, JSON.stringify(request.json));
    requestId = request.json.requestId as string;
    for (const wallet of siwsWallets) {
      for (let i = 0; i < 2; i += 1) {
        const c = await flow.call('POST', '/api/session/challenge', { wallet: wallet.publicKey.toBase58() });
        assert.equal(c.status, 200, JSON.stringify(c.json));
        challenges.push({ wallet, message: c.json.message as string });
      }
    }

    // The legitimate viewer, watching throughout.
    viewer = new WeriftTestClient();
    offer = await viewer.createOffer();
    const res = await fetch(`${ctx.url}/whep/cam`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${VIEWER}` },
      body: offer,
    });
    assert.equal(res.status, 201, await res.clone().text());
    viewerId = res.headers.get('location')!.split('/').at(-1)!;
    await viewer.setAnswer(await res.text());
    await waitFor(() => viewer.packets.length > 20, 'the viewer receives video', 15_000);

    // Every operation with a request body, from the served document.
    const doc = (await (await fetch(`${ctx.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => typeof op === 'object' && op !== null && 'requestBody' in op)
        .map(([method, op]) => {
          const content = (op.requestBody as { content: Record<string, { schema?: SchemaNode }> }).content;
          return {
            method: method.toUpperCase(),
            path,
            access: ((op['x-access'] as { anyOf?: AccessLevel[] } | undefined)?.anyOf ?? []) as AccessLevel[],
            audited: (op['x-access'] as { audited?: boolean } | undefined)?.audited === true,
            contentTypes: Object.keys(content),
            jsonSchema: content['application/json']?.schema,
          };
        }),
    );

    dumpBefore = dumpDatabase(ctx.server.identity.database);
    auditBefore = auditRows().length;
    filesBefore = filesUnder(ctx.config.storage.dataDir);
    cameradPid = camera.status().pid;
    assert.ok(cameradPid, 'camerad runs');
    // Observed (fast-check 4.11.0, Node 20.20, cause not found): the first fast-check draw after
    // this setup differs from the same draw in a bare process, and once was out of range
    // ("Unable to generate from fc.frequency"); the draws after it match a bare process. A
    // throwaway draw here keeps the cases of a FUZZ_SEED the same from run to run.
    fc.sample(fc.integer({ min: 0, max: 9 }), { seed: SEED, numRuns: 1 });
  });

  after(async () => {
    console.log(`fuzz: FUZZ_SEED=${SEED} ${JSON.stringify(tally.summary())}`);
    await viewer?.close();
    flow?.close();
    await ctx?.close();
    await svm?.close();
  });

  const auditRows = (): { actor: string; action: string; result: string }[] =>
    ctx.server.identity.database.db.prepare('SELECT actor, action, result FROM audit_log ORDER BY seq').all() as {
      actor: string;
      action: string;
      result: string;
    }[];

  /** Credentials that pass a level, as `Authorization` values ('' = none). */
  const credentialsFor = (level: AccessLevel): string[] => {
    switch (level) {
      case 'open':
        return [''];
      case 'viewer':
        return [VIEWER];
      case 'session':
      case 'checkedIn':
      case 'owner':
        return [userToken];
      case 'operator':
        return [ADMIN, operatorToken];
    }
  };

  /**
   * A concrete path: `{camera}` is the fuzz camera, `{viewer}` the legitimate viewer, `{id}` the
   * user's outstanding enrolment request.
   */
  const concrete = (path: string): string => {
    const filled = path.replace('{camera}', 'cam').replace('{viewer}', viewerId).replace('{id}', requestId);
    assert.doesNotMatch(filled, /\{/, `no value for a path parameter of ${path}: add one to the fuzz suite`);
    return filled;
  };

  /**
   * Sends one case and checks the answer: a 4xx with a JSON `{error}` message, and not one that
   * stops a request before validation. @returns the status.
   */
  const send = async (group: string, method: string, path: string, c: BodyCase, token: string): Promise<number> => {
    const res = await fetch(`${ctx.url}${path}`, {
      method,
      headers: { 'content-type': c.contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: c.body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    tally.add(group, c.violation, res.status);
    const what = `${method} ${path} (${c.violation}, ${c.contentType}, ${c.body.length} B: ${JSON.stringify(c.body.slice(0, 160))}) → ${res.status} ${text.slice(0, 200)}`;
    assert.ok(res.status >= 400 && res.status < 500, `not a 4xx: ${what}`);
    assert.ok(!GATE_STATUSES.has(res.status), `did not reach validation: ${what}`);
    let body: { error?: unknown };
    try {
      body = JSON.parse(text) as { error?: unknown };
    } catch {
      assert.fail(`answer is not JSON: ${what}`);
    }
    assert.ok(typeof body.error === 'string' && body.error.length > 0, `no error message: ${what}`);
    return res.status;
  };

  /**
   * Draws `runs` cases (each with a credential) from `cases` with fast-check, the seed derived
   * from FUZZ_SEED and the group's index, and sends them one after another.
   */
  let groupIndex = 0;
  const fuzz = async (
    group: string,
    method: string,
    path: string,
    cases: fc.Arbitrary<BodyCase>,
    tokens: string[],
    runs = RUNS,
  ): Promise<void> => {
    groupIndex += 1;
    const drawn = fc.sample(fc.tuple(cases, fc.constantFrom(...tokens)), { seed: SEED + groupIndex, numRuns: runs });
    for (const [c, token] of drawn) {
      const status = await send(group, method, path, c, token);
      // Refused by validation is what the case was built for; another 4xx is allowed but named.
      if (!VALIDATION_STATUSES.has(status)) console.log(`fuzz: ${group} ${c.violation} → ${status}`);
    }
  };

  it('the WHEP offer (application/sdp): malformed, incomplete and unsupported offers are refused', async () => {
    const op = operations.find((o) => o.method === 'POST' && o.path === '/whep/{camera}');
    assert.ok(op?.contentTypes.includes('application/sdp'), 'the document describes the WHEP offer');
    await fuzz('POST /whep/{camera}', 'POST', '/whep/cam', whepOfferCases(offer), [VIEWER], RUNS * 3);
    assert.equal(ctx.server.cameras.get('cam')!.status().viewers, 1, 'no fuzz case became a viewer');
  });

  it('every JSON-body operation of the OpenAPI document has a strategy and a passing credential, and refuses each invalid body with a 4xx', async () => {
    const json = operations.filter((op) => op.jsonSchema !== undefined);
    assert.ok(json.length >= 20, `only ${json.length} JSON-body operations in the document`);
    const noStrategy: string[] = [];
    const plans = json.map((op) => {
      const key = `${op.method} ${op.path}`;
      const tokens = [...new Set(op.access.flatMap(credentialsFor))];
      if (tokens.length === 0) noStrategy.push(`${key}: no credential passes x-access ${JSON.stringify(op.access)}`);
      try {
        // A real transaction, truncated or corrupted, beside the schema's own strategies.
        const extra: Record<string, fc.Arbitrary<unknown>> = op.path === '/api/session/submit'
          ? { transaction: invalidBase64Transaction(realTx) }
          : {};
        return { op, key, tokens, ...bodyCases(op.jsonSchema!, op.contentTypes, extra) };
      } catch (error) {
        if (!(error instanceof NoStrategyError)) throw error;
        noStrategy.push(`${key}: ${error.message}`);
        return undefined;
      }
    });
    assert.deepEqual(noStrategy, [], 'JSON-body operations the fuzz suite has no strategy for');
    for (const plan of plans) {
      const { op, key, tokens, cases } = plan!;
      await fuzz(key, op.method, concrete(op.path), cases, tokens);
      if (op.audited) operatorCases += tally.sentIn(key);
    }
  });

  it('trickle ICE (PATCH, application/trickle-ice-sdpfrag): fragments without candidates or with malformed ones are refused', async () => {
    const op = operations.find((o) => o.method === 'PATCH' && o.path === '/whep/{camera}/{viewer}');
    assert.ok(op?.contentTypes.includes('application/trickle-ice-sdpfrag'), 'the document describes trickle ICE');
    await fuzz('PATCH /whep/{camera}/{viewer}', 'PATCH', `/whep/cam/${viewerId}`, trickleCases(), [VIEWER], RUNS * 2);
  });

  it('Sign-In With Solana: mutated messages and signatures never open a session', async () => {
    const stranger = Keypair.generate();
    await fuzz(
      'SIWS /api/session/signin',
      'POST',
      '/api/session/signin',
      siwsCases(challenges, stranger),
      [''],
      RUNS * 4,
    );
  });

  it('base58 and base64 fields: wallet addresses, signatures and transactions that do not decode are refused', async () => {
    const json =
      (field: string, extra: Record<string, unknown> = {}) =>
      (value: string): BodyCase => ({
        contentType: 'application/json',
        body: JSON.stringify({ ...extra, [field]: value }),
        violation: `encoding:${field}`,
      });
    await fuzz(
      'base58 challenge.wallet',
      'POST',
      '/api/session/challenge',
      invalidBase58Address().map(json('wallet')),
      [''],
    );
    await fuzz('base58 purge.wallet', 'POST', '/api/biometrics/purge', invalidBase58Address().map(json('wallet')), [
      userToken,
    ]);
    await fuzz(
      'base58 signin.signature',
      'POST',
      '/api/session/signin',
      fc
        .tuple(fc.constantFrom(...challenges), invalidBase58Signature())
        .map(([c, s]) => json('signature', { message: c.message })(s)),
      [''],
    );
    await fuzz(
      'base64 submit.transaction',
      'POST',
      '/api/session/submit',
      invalidBase64Transaction(realTx).map(json('transaction')),
      [userToken],
    );
  });

  it('afterwards: camerad (same pid) and the viewer still serve, the database and data folder are unchanged, and enough cases reached validation', async () => {
    const summary = tally.summary();
    console.log(`fuzz: FUZZ_SEED=${SEED} sent ${tally.sent}, reached validation ${tally.validated}`);
    assert.ok(
      tally.validated >= MIN_VALIDATED,
      `only ${tally.validated} cases reached validation: ${JSON.stringify(summary)}`,
    );

    const camera = ctx.server.cameras.get('cam')!;
    assert.equal(camera.status().pid, cameradPid, 'camerad was not restarted');
    const status = await fetch(`${ctx.url}/api/status`, { headers: { authorization: `Bearer ${VIEWER}` } });
    assert.equal(status.status, 200);
    const cam = ((await status.json()) as { cameras: { id: string; fps: number | null; state: string }[] }).cameras[0]!;
    assert.equal(cam.state, 'running');
    assert.ok((cam.fps ?? 0) >= 8, `camera encodes ${cam.fps} fps (10 configured)`);
    const seen = viewer.packets.length;
    await waitFor(() => viewer.packets.length > seen + 20, 'the viewer still receives video', 10_000);
    assert.equal(camera.status().viewers, 1);

    // The database: exactly as before, but for the audit rows of refused admin requests (the
    // access model audits admin actions that fail too, with their actor; bodies the body parser
    // refuses, malformed or over 64 KiB, never reach the route's guard and leave none).
    const audit = auditRows().slice(auditBefore);
    assert.ok(
      audit.length > 0 && audit.length <= operatorCases,
      `${audit.length} audit rows for ${operatorCases} admin cases`,
    );
    for (const row of audit) {
      assert.equal(row.result, 'error', JSON.stringify(row));
      assert.match(row.actor, /^(admin:token|operator:)/, JSON.stringify(row));
      assert.match(row.action, /^admin\./, JSON.stringify(row));
    }
    const withoutNewAudit = (dump: string): string => {
      const lines = dump.split('\n');
      const start = lines.indexOf('# audit_log');
      let end = lines.findIndex((l, i) => i > start && l.startsWith('# '));
      if (end < 0) end = lines.length;
      return [...lines.slice(0, start + 1 + auditBefore), ...lines.slice(end)].join('\n');
    };
    assert.equal(
      withoutNewAudit(dumpDatabase(ctx.server.identity.database)),
      withoutNewAudit(dumpBefore),
      'the database changed',
    );
    assert.deepEqual(filesUnder(ctx.config.storage.dataDir), filesBefore, 'the data folder changed');
  });
});
