import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Router from '@koa/router';
import { Keypair } from '@solana/web3.js';
import { io } from 'socket.io-client';
import { ACCESS_TABLE, accessKey, accessRow } from '../../server/access/accessTable.js';
import { buildRouters } from '../../server/http/createHttpApp.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { guardedApp } from '../helpers/guardedApp.js';
import { RawWsClient } from '../helpers/RawWsClient.js';
import { testLogger } from '../helpers/logger.js';
import { dumpDatabase } from '../helpers/sqliteDump.js';
import { startTestServer } from '../helpers/testServer.js';

const VIEWER = 'a-viewer-link-token-0123456789';
const ADMIN = 'the-admin-token-0123456789abcdef-0123';

/** Every route the routers register, as `METHOD /path` with `:params` (HEAD left out). */
function servedRoutes(): string[] {
  return buildRouters({} as never).flatMap((router) =>
    router.stack.flatMap((layer) =>
      layer.methods.filter((m) => m !== 'HEAD').map((m) => accessKey(m, String(layer.path))),
    ),
  );
}

/** A concrete path for a table path: every `:param` filled with a well-formed value. */
function concrete(path: string): string {
  return path
    .replace(':camera', 'cam')
    .replace(':viewer', '00000000-0000-0000-0000-000000000000')
    .replace(':id', 'a'.repeat(32))
    .replace(':wallet', Keypair.generate().publicKey.toBase58())
    .replace(/:[A-Za-z]+/g, 'x');
}

describe('the access table', () => {
  it('has exactly one row per route the routers serve (deny by default), and no row for a route that does not exist', () => {
    const served = servedRoutes();
    const missing = served.filter((key) => {
      const [method, path] = key.split(' ') as [string, string];
      return accessRow(method, path) === undefined;
    });
    assert.deepEqual(missing, [], 'routes without a row in server/access/accessTable.ts');
    const httpRows = ACCESS_TABLE.filter((r) => r.transport === 'http').map((r) => accessKey(r.method, r.path));
    assert.equal(new Set(httpRows).size, httpRows.length, 'a row is listed twice');
    const stale = httpRows.filter((key) => !served.includes(key));
    assert.deepEqual(stale, [], 'rows for routes no router serves');
    assert.ok(
      ACCESS_TABLE.some((r) => r.transport === 'socket.io'),
      'socket.io is a row of the table',
    );
  });

  it('lists RTSP (served by rtspd, not the HTTP app) as a row only RTSP users pass', () => {
    const rows = ACCESS_TABLE.filter((r) => r.transport === 'rtsp');
    assert.deepEqual(
      rows.map((r) => [r.method, r.path, r.anyOf]),
      [['DESCRIBE', '/:camera', ['rtspUser']]],
    );
  });

  it('refuses to serve a route that has no row: the app does not start', async () => {
    const router = new Router();
    router.get('/api/undeclared', (ctx) => {
      ctx.body = 'should never be served';
    });
    await assert.rejects(guardedApp([router], {}, testLogger), /no access-table row for GET \/api\/undeclared/);
  });
});

describe('viewer and admin tokens against the real server', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    ctx = await startTestServer({
      ECS_SERVER__TOKEN: VIEWER,
      ECS_SERVER__ADMIN_TOKEN: ADMIN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([{ id: 'cam', source: 'test://', width: 320, height: 240, fps: 10 }]),
    });
    await ctx.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
  });
  after(async () => ctx?.close());

  const call = (method: string, path: string, token: string) =>
    fetch(`${ctx.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
    });

  it('the viewer token gets 403 on every operator entry point (enumerated from the table), and nothing is stored', async () => {
    const operatorRows = ACCESS_TABLE.filter((r) => r.transport === 'http' && r.anyOf.every((l) => l === 'operator'));
    assert.ok(operatorRows.length >= 8, `only ${operatorRows.length} operator rows`);
    const before = dumpDatabase(ctx.server.identity.database);
    const refused: string[] = [];
    for (const row of operatorRows) {
      const res = await call(row.method, concrete(row.path), VIEWER);
      const body = (await res.json()) as { error?: string };
      assert.equal(
        res.status,
        403,
        `${row.method} ${row.path} with the viewer token: ${res.status} ${JSON.stringify(body)}`,
      );
      assert.match(body.error ?? '', /operator/);
      refused.push(`${row.method} ${row.path}`);
    }
    assert.equal(dumpDatabase(ctx.server.identity.database), before, 'a refused request changed the database');
    // The viewer token still watches.
    assert.equal((await call('GET', '/api/status', VIEWER)).status, 200);
    assert.equal((await fetch(`${ctx.url}/api/status?token=${VIEWER}`)).status, 200);
  });

  it('without a credential every entry point that is not open answers 401 (enumerated from the table, WebSocket upgrades included), and nothing is stored', async () => {
    const guarded = ACCESS_TABLE.filter((r) => r.transport === 'http' && !r.anyOf.includes('open'));
    assert.ok(guarded.length >= 40, `only ${guarded.length} guarded rows`);
    const before = dumpDatabase(ctx.server.identity.database);
    for (const row of guarded) {
      const res = await fetch(`${ctx.url}${concrete(row.path)}`, {
        method: row.method,
        headers: { 'content-type': 'application/json' },
        body: row.method === 'GET' || row.method === 'DELETE' ? undefined : '{}',
      });
      const body = (await res.json()) as { error?: string };
      assert.equal(
        res.status,
        401,
        `${row.method} ${row.path} without a credential: ${res.status} ${JSON.stringify(body)}`,
      );
      assert.match(body.error ?? '', /this needs/);
    }
    // WebSocket entry points: refused before the upgrade, with the same answer.
    const upgrades = ACCESS_TABLE.filter((r) => r.transport === 'websocket' && !r.anyOf.includes('open'));
    assert.ok(upgrades.length >= 1, 'the WebSocket video path is in the table');
    for (const row of upgrades) {
      const answer = await RawWsClient.open(`ws://127.0.0.1:${ctx.server.port}${concrete(row.path)}`);
      assert.ok(!(answer instanceof RawWsClient), `${row.path} upgraded without a credential`);
      assert.equal(answer.status, 401, `${row.path} without a credential: ${answer.status} ${answer.body}`);
      assert.match((JSON.parse(answer.body) as { error?: string }).error ?? '', /this needs/);
    }
    assert.equal(dumpDatabase(ctx.server.identity.database), before, 'a refused request changed the database');
  });

  it('the admin token opens operator routes, and each admin action is audited with its actor', async () => {
    const res = await call('POST', '/api/cameras/cam/probe', ADMIN).then(async (r) => {
      await r.text();
      return fetch(`${ctx.url}/api/cameras/cam/probe`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: '{"enabled": false}',
      });
    });
    assert.equal(res.status, 200, await res.text());
    const rows = ctx.server.identity.database.db
      .prepare("SELECT actor, action, result FROM audit_log WHERE action LIKE 'admin.%' ORDER BY seq")
      .all() as { actor: string; action: string; result: string }[];
    assert.deepEqual(rows.at(-1), {
      actor: 'admin:token',
      action: 'admin.post.api.cameras.camera.probe',
      result: 'ok',
    });
    // The first call had a bad body (400): audited as an error, still with its actor.
    assert.deepEqual(rows.at(-2), {
      actor: 'admin:token',
      action: 'admin.post.api.cameras.camera.probe',
      result: 'error',
    });
    // The admin token is accepted only as a header: in the query it is nobody's token.
    assert.equal((await fetch(`${ctx.url}/api/status?token=${ADMIN}`)).status, 401);
  });

  it('a wrong token is refused with 401 and says what would pass; the token never appears in an answer', async () => {
    const res = await call('GET', '/api/status', 'not-the-viewer-token-at-all');
    assert.equal(res.status, 401);
    const body = await res.text();
    assert.match(body, /viewer token/);
    assert.doesNotMatch(body, /not-the-viewer-token/);
  });

  it('face counts and boxes are for viewers: /api/face/status and the public events need the viewer token', async () => {
    assert.equal((await fetch(`${ctx.url}/api/face/status`)).status, 401);
    assert.equal((await fetch(`${ctx.url}/api/face/status?token=${VIEWER}`)).status, 200);
    const outcome = (auth: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = io(ctx.url, { transports: ['websocket'], reconnection: false, auth });
        socket.once('connect', () => {
          socket.disconnect();
          resolve('connected');
        });
        socket.once('connect_error', (error) => {
          socket.disconnect();
          resolve(`refused: ${error.message}`);
        });
      });
    assert.match(await outcome({ cameraId: 'cam' }), /^refused: this needs a viewer token/);
    assert.equal(await outcome({ cameraId: 'cam', viewerToken: VIEWER }), 'connected');
    assert.equal(await outcome({ cameraId: 'cam', token: VIEWER }), 'connected');
  });
});
