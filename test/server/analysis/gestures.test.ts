import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Gesture, GestureClassifier, GESTURES } from '../../../server/analysis/hands/GestureClassifier.js';
import { HandLandmarker } from '../../../server/analysis/hands/HandLandmarker.js';
import { assertHandFixturesInstalled, FIND_ONE_HAND, type HandSample, loadHandSamples, root } from './handFixtures.js';

/**
 * Gestures on real photographs (issue 14, must-show 1): every labelled hand of
 * test/fixtures/hands/images.json through the hand model and the classifier. A gesture with at
 * least 5 photographs must be right on ≥ 80 % of them; of ≥ 10 hands doing none of the gestures
 * at most 10 % may be labelled as one. The inventory found fewer than 5 photographs of every
 * gesture (the manifest's description lists what was searched: open palm 3, fist 1, pointing 1,
 * the others 0), so the 80 % bar applies to none of them today; the test prints the confusion
 * matrix and holds the `none` bar, counted both per hand and per photograph.
 */
describe('gestures on real photographs', () => {
  let landmarker: HandLandmarker;
  let samples: HandSample[];
  const classifier = new GestureClassifier();

  before(async () => {
    assertHandFixturesInstalled();
    landmarker = await HandLandmarker.create({ root, model: 'full' });
    samples = await loadHandSamples();
  });
  after(() => landmarker?.dispose());

  it('labels the photographed hands (confusion matrix printed)', () => {
    const rows = new Map<Gesture, Map<Gesture | 'missed', number>>();
    const photos = new Map<Gesture, Set<string>>();
    const results: { sample: HandSample; got: Gesture | 'missed' }[] = [];
    let ms = 0;
    for (const sample of samples) {
      const started = performance.now();
      const [hand] = landmarker.findHands(sample.image, FIND_ONE_HAND);
      ms += performance.now() - started;
      const got = hand ? classifier.classify(hand.keypoints).gesture : 'missed';
      results.push({ sample, got });
      const row = rows.get(sample.expected) ?? new Map<Gesture | 'missed', number>();
      row.set(got, (row.get(got) ?? 0) + 1);
      rows.set(sample.expected, row);
      photos.set(sample.expected, (photos.get(sample.expected) ?? new Set()).add(sample.photo));
    }
    const columns = [...GESTURES, 'missed'] as const;
    const line = (cells: (string | number)[]): string => cells.map((c) => String(c).padStart(11)).join(' ');
    const table = [
      line(['want \\ got', ...columns, 'photos']),
      ...GESTURES.filter((g) => rows.has(g)).map((g) =>
        line([g, ...columns.map((c) => rows.get(g)!.get(c) ?? 0), photos.get(g)!.size]),
      ),
    ].join('\n');
    console.log(`confusion matrix (hands; a photograph may show several):\n${table}`);
    for (const { sample, got } of results)
      if (got !== sample.expected) console.log(`  ${sample.id}: ${sample.expected} → ${got}`);
    console.log(`find + classify: ${(ms / samples.length).toFixed(1)} ms per hand (mean of ${samples.length})`);

    for (const gesture of GESTURES.filter((g) => g !== 'none')) {
      const row = rows.get(gesture);
      const count = photos.get(gesture)?.size ?? 0;
      if (!row || count < 5) {
        console.log(`${gesture}: ${count} photograph(s), below the 5 the 80 % bar needs`);
        continue;
      }
      const total = [...row.values()].reduce((a, b) => a + b, 0);
      assert.ok((row.get(gesture) ?? 0) / total >= 0.8, `${gesture}: ${row.get(gesture) ?? 0} of ${total} right`);
    }
    const none = rows.get('none')!;
    const noneTotal = [...none.values()].reduce((a, b) => a + b, 0);
    const labelled = noneTotal - (none.get('none') ?? 0) - (none.get('missed') ?? 0);
    const nonePhotos = photos.get('none')!.size;
    const wrongPhotos = new Set(
      results
        .filter((r) => r.sample.expected === 'none' && r.got !== 'none' && r.got !== 'missed')
        .map((r) => r.sample.photo),
    ).size;
    console.log(
      `none: ${labelled} of ${noneTotal} hands (${wrongPhotos} of ${nonePhotos} photographs) labelled as a gesture`,
    );
    assert.ok(noneTotal >= 10, `${noneTotal} hands doing none of the gestures; the bar needs 10`);
    assert.ok(nonePhotos >= 10, `${nonePhotos} photographs of hands doing none of the gestures; the bar needs 10`);
    assert.ok(wrongPhotos / nonePhotos <= 0.1, `${wrongPhotos} of ${nonePhotos} photographs`);
    assert.ok(labelled / noneTotal <= 0.1, `${labelled} of ${noneTotal} hands doing no gesture were labelled as one`);
    // Every hand of the fixture is found (a missed hand would hide a wrong label).
    assert.deepEqual(
      results.filter((r) => r.got === 'missed').map((r) => r.sample.id),
      [],
    );
  });
});
