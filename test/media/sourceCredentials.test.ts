import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskSourceUrl, sourceUrlSecrets } from '../../media/camerad/sourceCredentials.js';
import { StreamKeyRedactor } from '../../media/rtmp/StreamKeyRedactor.js';

describe('maskSourceUrl (the same rules as camerad’s UrlRedactor::maskCredentials)', () => {
  it('masks the password of the user info, keeps the user name', () => {
    assert.equal(maskSourceUrl('rtsp://admin:hunter2@127.0.0.1:8554/cam'), 'rtsp://admin:***@127.0.0.1:8554/cam');
  });
  it('masks user info without a password whole (a token)', () => {
    assert.equal(maskSourceUrl('rtsp://tok3n@cam.local/s'), 'rtsp://***@cam.local/s');
  });
  it('the last @ of the authority ends the user info; an @ in the path is not user info', () => {
    assert.equal(maskSourceUrl('rtsp://a:p@ss@h/x?x=1'), 'rtsp://a:***@h/x?x=1');
    assert.equal(maskSourceUrl('rtsp://h/p@th'), 'rtsp://h/p@th');
  });
  it('masks secret-looking query values and keeps the others', () => {
    assert.equal(
      maskSourceUrl('rtsp://h/x?user=a&password=pw&Token=t&channel=1#frag'),
      'rtsp://h/x?user=a&password=***&Token=***&channel=1#frag',
    );
  });
  it('leaves URIs without credentials, and text that is no URI, unchanged', () => {
    for (const uri of ['test://ball', 'file:///a/b.mp4', 'dir:///srv/frames', 'not a uri', ''])
      assert.equal(maskSourceUrl(uri), uri);
  });
});

describe('sourceUrlSecrets', () => {
  it('password as written and decoded, Basic credentials (RFC 7617), query secrets; never the user alone', () => {
    const secrets = sourceUrlSecrets('rtsp://ad%6Din:hun%74er2@h/c?key=k%2F1');
    for (const s of ['hun%74er2', 'hunter2', 'k%2F1', 'k/1', Buffer.from('admin:hunter2').toString('base64')])
      assert.ok(secrets.includes(s), `${s} listed`);
    assert.ok(!secrets.includes('admin') && !secrets.includes('ad%6Din'));
    assert.deepEqual(sourceUrlSecrets('test://ball'), []);
  });
  it('registered with the redactor, a GStreamer error quoting the URI reads as the masked URI', () => {
    const redactor = new StreamKeyRedactor();
    const uri = 'rtsp://admin:hunter2@127.0.0.1:1/cam';
    for (const secret of sourceUrlSecrets(uri)) redactor.addSecret(secret);
    assert.equal(
      redactor.redact(`Could not open ${uri} (hunter2) Basic YWRtaW46aHVudGVyMg==`),
      `Could not open ${maskSourceUrl(uri)} (***) Basic ***`,
    );
  });
});
