import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStreamKeyRedactor } from '../../../media/rtmp/createRtmp.js';
import { livepeerIngestHost, livepeerPlayback, livepeerPublishUrl } from '../../../media/rtmp/livepeer.js';
import { LIVEPEER_INGEST_URL, livepeerSchema } from '../../../media/rtmp/livepeerConfig.js';

import { LivepeerConfigError } from '../../../media/rtmp/LivepeerConfigError.js';
import { maskRtmpUrl, parseRtmpUrl, StreamKeyRedactor } from '../../../media/rtmp/StreamKeyRedactor.js';

const KEY = 'abcd-1234-efgh-5678';
/** The `livepeer` section with `given` over the defaults (unchecked, as the helpers must check it). */
const livepeer = (given: object = {}) => ({ ...livepeerSchema.parse({}), ...given });
const URL_ = `rtmp://127.0.0.1:19350/live/${KEY}`;

describe('StreamKeyRedactor', () => {
  it('masks the URL and any other occurrence of the key', () => {
    const redactor = new StreamKeyRedactor();
    redactor.addUrl(URL_);
    const gst =
      `rtmp2sink0: Could not open resource for writing. ../gst/rtmp2/gstrtmp2sink.c(1088): ` +
      `connect_task_done (): /GstPipeline:rtmp/GstRtmp2Sink:rtmp2sink0: Failed to connect to ${URL_}: ` +
      `Connection refused; stream "${KEY}" app "live"`;
    const out = redactor.redact(gst);
    assert.ok(!out.includes(KEY), out);
    assert.ok(out.includes('Failed to connect to rtmp://127.0.0.1:19350/live/***: Connection refused'), out);
    assert.ok(out.includes('stream "***" app "live"'), out);
  });

  it('catches URL-encoded and JSON-escaped forms, and both hex cases', () => {
    const key = 'k3y/with?odd=chars&"q"';
    const redactor = new StreamKeyRedactor();
    redactor.addSecret(key);
    for (const form of [
      key,
      encodeURIComponent(key),
      encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
      encodeURI(key),
      JSON.stringify(key).slice(1, -1),
    ]) {
      const out = redactor.redact(`before ${form} after`);
      assert.equal(out, 'before *** after', `form ${form}`);
    }
    const url = `rtmp://ingest.example:1935/app/${KEY}?token=s3cr3t-t0ken`;
    redactor.addUrl(url);
    assert.equal(redactor.redact(`to ${encodeURIComponent(url)}!`), 'to rtmp://ingest.example:1935/app/***!');
    assert.equal(redactor.redact(`key ${KEY} alone`), 'key *** alone');
    assert.equal(redactor.redact('query ?token=s3cr3t-t0ken'), 'query ?***');
  });

  it('redacts the password of user info and keeps unrelated text', () => {
    const redactor = new StreamKeyRedactor();
    assert.equal(redactor.redact('nothing registered'), 'nothing registered');
    assert.equal(redactor.active, false);
    redactor.addUrl('rtmps://bob:hunter22@live.example/app/streamkey99');
    assert.equal(redactor.active, true);
    assert.equal(
      redactor.redact('url rtmps://bob:hunter22@live.example/app/streamkey99 pw hunter22 key streamkey99'),
      'url rtmps://live.example/app/*** pw *** key ***',
    );
    assert.equal(redactor.redact('live.example app'), 'live.example app');
    const { redact } = redactor; // bound: can be handed around
    assert.equal(redact('streamkey99'), '***');
  });

  it('parses and masks RTMP URLs (the key is the path after the app, plus the query)', () => {
    assert.deepEqual(parseRtmpUrl('rtmp://h:1935/live/a/b?x=1'), {
      scheme: 'rtmp',
      host: 'h:1935',
      app: 'live',
      key: 'a/b?x=1',
      userInfo: '',
    });
    assert.equal(parseRtmpUrl('http://h/live/k'), undefined);
    assert.equal(parseRtmpUrl('rtmp:///live/k'), undefined);
    assert.equal(maskRtmpUrl('RTMPS://h/live/k'), 'rtmps://h/live/***');
    assert.equal(maskRtmpUrl('rtmp://h/live'), 'rtmp://h/live');
    assert.equal(maskRtmpUrl('not a url'), '***');
  });

  it('a redactor from the Livepeer settings knows the key and the publish URL', () => {
    const redactor = createStreamKeyRedactor(livepeer({ streamKey: KEY }));
    assert.equal(
      redactor.redact(`publishing to ${LIVEPEER_INGEST_URL}/${KEY} (${KEY})`),
      'publishing to rtmp://rtmp.livepeer.com/live/*** (***)',
    );
    assert.equal(createStreamKeyRedactor(livepeer()).active, false);
  });
});

describe('Livepeer helpers', () => {
  it('builds the publish URL from the default or configured ingest', () => {
    assert.equal(livepeerPublishUrl(livepeer({ streamKey: KEY })), `rtmp://rtmp.livepeer.com/live/${KEY}`);
    assert.equal(
      livepeerPublishUrl({ streamKey: ` ${KEY} `, ingestUrl: 'rtmp://127.0.0.1:19350/live/' }),
      `rtmp://127.0.0.1:19350/live/${KEY}`,
    );
    assert.equal(livepeerIngestHost(livepeer()), 'rtmp.livepeer.com');
    assert.equal(livepeerIngestHost({ ingestUrl: 'rtmps://127.0.0.1:4443/live' }), '127.0.0.1:4443');
  });

  it('names the configuration field when it cannot, without quoting the key', () => {
    const fieldOf = (fn: () => unknown): string => {
      try {
        fn();
      } catch (error) {
        assert.ok(error instanceof LivepeerConfigError);
        assert.ok(!error.message.includes('bad key'), error.message);
        return error.field;
      }
      assert.fail('no error');
    };
    assert.equal(
      fieldOf(() => livepeerPublishUrl(livepeer())),
      'livepeer.streamKey',
    );
    assert.equal(
      fieldOf(() => livepeerPublishUrl(livepeer({ streamKey: '  ' }))),
      'livepeer.streamKey',
    );
    assert.equal(
      fieldOf(() => livepeerPublishUrl(livepeer({ streamKey: 'bad key/x' }))),
      'livepeer.streamKey',
    );
    assert.equal(
      fieldOf(() => livepeerPublishUrl({ streamKey: KEY, ingestUrl: 'http://x/live' })),
      'livepeer.ingestUrl',
    );
    assert.equal(
      fieldOf(() => livepeerPublishUrl({ streamKey: KEY, ingestUrl: 'rtmp://x' })),
      'livepeer.ingestUrl',
    );
    assert.equal(
      fieldOf(() => livepeerPlayback({ playbackId: 'a b' })),
      'livepeer.playbackId',
    );
  });

  it('builds the playback URLs from the playback id', () => {
    assert.equal(livepeerPlayback({}), null);
    assert.deepEqual(livepeerPlayback({ playbackId: 'f5eese9wwl88k4g8' }), {
      playback_id: 'f5eese9wwl88k4g8',
      hls: 'https://livepeercdn.studio/hls/f5eese9wwl88k4g8/index.m3u8',
      player: 'https://lvpr.tv/?v=f5eese9wwl88k4g8',
    });
  });
});
