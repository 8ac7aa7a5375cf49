import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { rejectsConfig } from '../../helpers/configRejects.js';
import { loadConfig } from '../../../server/config/loadConfig.js';
import { projectRoot } from '../../../server/config/projectRoot.js';

const root = projectRoot();

/** Loads a configuration with one test:// camera whose `analyzers` are these. */
const withAnalyzers = (analyzers: unknown, env: Record<string, string> = {}) =>
  loadConfig(root, undefined, {
    ECS_CAMERAS: JSON.stringify([{ id: 'a', source: 'test://', analyzers }]),
    ...env,
  });

describe('cameras[].analyzers', () => {
  it('defaults to faces alone; faces without fps runs at faces.analysisFps; each type has its defaults', () => {
    const plain = loadConfig(root, undefined, { ECS_CAMERAS: '[{"id":"a","source":"test://"}]' });
    assert.deepEqual(plain.cameras[0]!.analyzers, [{ type: 'faces' }]);
    const all = withAnalyzers([{ type: 'faces', fps: 3 }, { type: 'sky' }]);
    assert.deepEqual(all.cameras[0]!.analyzers[0], { type: 'faces', fps: 3 });
    assert.deepEqual(all.cameras[0]!.analyzers[1], {
      type: 'sky',
      fps: 1,
      region: [0, 0, 1, 1 / 3],
      redBlueRatio: 0.6,
      overlay: true,
    });
    assert.deepEqual(withAnalyzers([]).cameras[0]!.analyzers, [], 'an empty list: no analysis on this camera');
  });

  it('rejects an unknown type, a repeated type, a bad region and unknown keys, naming the setting', () => {
    rejectsConfig(() => withAnalyzers([{ type: 'licence-plates' }]), 'cameras[0].analyzers[0].type', /.+/);
    rejectsConfig(() => withAnalyzers([{ type: 'sky' }, { type: 'sky' }]), 'cameras[0].analyzers', /at most once/);
    rejectsConfig(
      () => withAnalyzers([{ type: 'sky', region: [0.5, 0, 0.6, 0.3] }]),
      'cameras[0].analyzers[0].region',
      /inside the picture/,
    );
    rejectsConfig(() => withAnalyzers([{ type: 'sky', fps: 0 }]), 'cameras[0].analyzers[0].fps', /.+/);
    rejectsConfig(
      () => withAnalyzers([{ type: 'faces', threshold: 0.5 }]),
      'cameras[0].analyzers[0].threshold',
      /unknown/,
    );
  });

  it('gesture actions: a gesture or action the classifier does not know, an unknown camera, or no hands camera', () => {
    const hands = [{ type: 'hands' }];
    const actions = (list: unknown) => ({ ECS_GESTURES: JSON.stringify({ actions: list }) });
    const ok = withAnalyzers(hands, actions([{ gesture: 'thumbs_up', action: 'capture' }]));
    assert.deepEqual(ok.gestures.actions, [
      { gesture: 'thumbs_up', action: 'capture', holdMs: 1000, cooldownMs: 10_000 },
    ]);
    assert.deepEqual(withAnalyzers(hands).gestures.actions, [], 'off by default');
    rejectsConfig(
      () => withAnalyzers(hands, actions([{ gesture: 'wave', action: 'capture' }])),
      'gestures.actions[0].gesture',
      /.+/,
    );
    rejectsConfig(
      () => withAnalyzers(hands, actions([{ gesture: 'none', action: 'capture' }])),
      'gestures.actions[0].gesture',
      /.+/,
    );
    rejectsConfig(
      () => withAnalyzers(hands, actions([{ gesture: 'ok', action: 'dance' }])),
      'gestures.actions[0].action',
      /.+/,
    );
    rejectsConfig(
      () => withAnalyzers(hands, actions([{ gesture: 'ok', action: 'capture', cameras: ['b'] }])),
      'gestures.actions[0].cameras',
      /unknown camera "b"/,
    );
    rejectsConfig(
      () => withAnalyzers([{ type: 'faces' }], actions([{ gesture: 'ok', action: 'capture' }])),
      'gestures.actions[0]',
      /hands analyzer/,
    );
    rejectsConfig(() => withAnalyzers([{ type: 'hands', model: 'huge' }]), 'cameras[0].analyzers[0].model', /.+/);
    rejectsConfig(
      () => withAnalyzers([{ type: 'objects', classes: ['person', 'unicorn'] }]),
      'cameras[0].analyzers[0].classes[1]',
      /unknown COCO class/,
    );
  });

  it('the built server exits with code 2 naming the analyzer setting', () => {
    const run = spawnSync('node', ['dist/server/main.js'], {
      cwd: root,
      env: {
        ...process.env,
        ECS_CAMERAS: JSON.stringify([{ id: 'a', source: 'test://', analyzers: [{ type: 'x' }] }]),
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /configuration error: cameras\[0\]\.analyzers\[0\]\.type/);
    const gesture = spawnSync('node', ['dist/server/main.js'], {
      cwd: root,
      env: {
        ...process.env,
        ECS_CAMERAS: JSON.stringify([{ id: 'a', source: 'test://', analyzers: [{ type: 'hands' }] }]),
        ECS_GESTURES: JSON.stringify({ actions: [{ gesture: 'wave', action: 'capture' }] }),
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(gesture.status, 2, gesture.stderr);
    assert.match(gesture.stderr, /configuration error: gestures\.actions\[0\]\.gesture/);
  });
});
