import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiClient } from '../../web/src/api.js';
import { socketIoPath } from '../../web/src/basePath.js';
import { playerSwitches } from '../../web/src/player/playerSwitches.js';

/**
 * URLs the page builds under a path prefix (`https://name/cam/`, a proxy strips `/cam`), and the
 * page's test switches (web/README.md).
 */
describe('page URLs under a path prefix, and the player switches', () => {
  it('relative paths resolve under the page folder, the token comes from ?token=', () => {
    const api = new ApiClient('https://name/cam/?token=abc');
    assert.equal(api.token, 'abc');
    assert.equal(api.resolve('api/status'), 'https://name/cam/api/status');
    assert.equal(api.resolve('whep/cam0'), 'https://name/cam/whep/cam0');
    assert.equal(new ApiClient('https://name/cam/index.html').resolve('api/status'), 'https://name/cam/api/status');
  });

  it('a full path from the server: outside the folder it is put under it, inside it is kept', () => {
    const api = new ApiClient('https://name/cam/');
    assert.equal(api.resolve('/whep/cam0/viewer-1'), 'https://name/cam/whep/cam0/viewer-1');
    assert.equal(api.resolve('/cam/whep/cam0/viewer-1'), 'https://name/cam/whep/cam0/viewer-1');
    assert.equal(new ApiClient('http://127.0.0.1:8080/').resolve('/whep/cam0/v'), 'http://127.0.0.1:8080/whep/cam0/v');
    assert.equal(api.resolve('https://other/x'), 'https://other/x');
  });

  it('an embedded player passes its server and token', () => {
    const api = new ApiClient('https://box/cam/', 'tok');
    assert.equal(api.token, 'tok');
    assert.deepEqual(api.headers(), { Authorization: 'Bearer tok' });
    assert.equal(api.resolve('api/status'), 'https://box/cam/api/status');
  });

  it('socket.io path: socket.io under the base path', () => {
    assert.equal(socketIoPath('https://name/cam/'), '/cam/socket.io');
    assert.equal(socketIoPath('http://127.0.0.1:8080/index.html?token=x'), '/socket.io');
  });

  it('force and relay switches', () => {
    const from = (q: string) => {
      const p = new URLSearchParams(q);
      return playerSwitches((n) => p.get(n));
    };
    assert.deepEqual(from(''), { force: null, relay: false });
    assert.deepEqual(from('force=mse&relay=1'), { force: 'mse', relay: true });
    assert.deepEqual(from('force=websocket&relay=true'), { force: 'websocket', relay: true });
    assert.deepEqual(from('relay=0'), { force: null, relay: false });
    const warn = console.warn;
    const warned: unknown[] = [];
    console.warn = (...a: unknown[]) => warned.push(a);
    try {
      assert.deepEqual(from('force=hls'), { force: null, relay: false }, 'unknown path ignored');
    } finally {
      console.warn = warn;
    }
    assert.equal(warned.length, 1, 'with a warning');
  });
});
