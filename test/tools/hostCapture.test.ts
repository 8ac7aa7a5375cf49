import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  FIXTURES,
  HOST_CAPTURE,
  PYTHON,
  REPO,
  hasGstElement,
  jpegProblem,
  makeTestJpeg,
  pollUntil,
  runPython,
  statusOf,
} from '../helpers/hostCapture.js';
import { type StartedProcess, isRunning, startProcess, stopGroup } from '../helpers/processes.js';

/** One metadata file as host-capture writes it (schema host-capture/1, tools/host-capture/README.md). */
interface Metadata {
  schema: string;
  name: string;
  image: string;
  sequence: number;
  capture_start_ms: number;
  capture_end_ms: number;
  width: number;
  height: number;
  quality: number;
  bytes: number;
  sha256: string;
  host: string;
  command: string;
  decoded: boolean;
}

/** An entry of `--status` errors. */
interface CaptureErrorEntry {
  reason: string;
  exit_code: number | null;
  stderr_tail: string;
  retry_in_s: number;
}

/** Files in a folder, [] when it does not exist yet. */
function list(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A file's bytes, undefined when it is gone (deleted by the image limits meanwhile). */
function readIfThere(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Every metadata file of a folder, by name without extension. */
function metadataOf(folder: string): Map<string, Metadata> {
  const out = new Map<string, Metadata>();
  for (const name of list(join(folder, 'metadata'))) {
    out.set(name.replace(/\.json$/, ''), JSON.parse(readFileSync(join(folder, 'metadata', name), 'utf8')) as Metadata);
  }
  return out;
}

/** The sequence number at the end of a host-capture file name (…-00000042.jpg). */
function sequenceOf(name: string): number {
  return Number(/-(\d+)\.(jpg|json)$/.exec(name)?.[1]);
}

/** The sequence a slow-writer.py image carries in its COM segment. */
function comSequence(data: Buffer): number {
  return Number(/seq=(\d{10})/.exec(data.subarray(0, 64).toString('latin1'))?.[1]);
}

/** A capture command drawing the sequence number into a GStreamer test picture. */
function gstCommand(): { command: string; overlay: string } {
  // textoverlay lives in Debian's gstreamer1.0-x (pango); qroverlay (plugins-bad) draws the
  // number as a QR code where it is missing. Either way the picture carries {sequence}.
  const overlay = hasGstElement('textoverlay') ? 'textoverlay text=seq{sequence}' : 'qroverlay data=seq{sequence}';
  return {
    overlay,
    command:
      'gst-launch-1.0 -q videotestsrc num-buffers=1 ! video/x-raw,width={width},height={height} ! ' +
      `${overlay} ! jpegenc quality={quality} ! filesink location={output}`,
  };
}

describe('host-capture (tools/host-capture)', () => {
  let dir = '';
  let source = '';
  let sourceBytes = 0;
  /** Whether the interpreter has Pillow (python3-pil), which host-capture uses for a full decode. */
  let hasPil = false;
  const running: StartedProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'host-capture-'));
    source = join(dir, 'source.jpg');
    sourceBytes = makeTestJpeg(source, 640, 480).length;
    hasPil = (await runPython('-c', ['import PIL'])).code === 0;
  });

  after(async () => {
    for (const started of running) await stopGroup(started);
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(name: string, args: string[]): Promise<StartedProcess> {
    const started = await startProcess(name, PYTHON, [HOST_CAPTURE, ...args], { cwd: REPO });
    running.push(started);
    return started;
  }

  it('never shows a reader a partial JPEG or a metadata file without its image: 200 slow captures at 20/s read at 1 kHz', async (t) => {
    const folder = join(dir, 'atomic');
    const live = join(folder, 'live');
    const meta = join(folder, 'metadata');
    const size = sourceBytes + 18; // slow-writer.py adds an 18-byte COM segment
    // The stand-in writes each JPEG in 4 KiB chunks with 1 ms pauses: a reader of the file being
    // written would see it grow.
    const command = `${PYTHON} ${FIXTURES}/slow-writer.py ${source} {output} {sequence} 4096 1`;
    const capture = await start('host-capture', [
      '--folder',
      folder,
      '--command',
      command,
      '--interval',
      '0.05',
      '--count',
      '200',
      '--max-images',
      '20',
      '--log-level',
      'warning',
    ]);
    const seen = new Set<string>();
    const partial: string[] = [];
    const orphans: string[] = [];
    let polls = 0;
    const began = Date.now();
    for (let last = false; !last;) {
      last = !isRunning(capture); // one more pass after the exit
      for (const name of list(live)) {
        if (seen.has(name)) continue;
        const data = readIfThere(join(live, name));
        if (data === undefined) continue; // deleted by the image limit before we read it
        seen.add(name);
        const problem = jpegProblem(data, size);
        if (problem) partial.push(`${name}: ${problem}`);
        else if (comSequence(data) !== sequenceOf(name)) partial.push(`${name}: holds sequence ${comSequence(data)}`);
      }
      // Images are renamed in before their metadata and deleted after it, so a metadata file whose
      // image is missing and that is still there afterwards is one a reader could have acted on.
      for (const name of list(meta)) {
        const stem = name.replace(/\.json$/, '');
        if (!existsSync(join(live, `${stem}.jpg`)) && existsSync(join(meta, name))) orphans.push(name);
      }
      polls++;
      await sleep(1);
    }
    const seconds = (Date.now() - began) / 1000;
    t.diagnostic(`${seen.size} distinct images seen in ${polls} polls over ${seconds.toFixed(1)} s`);
    assert.equal(await capture.exited, 0, capture.output());
    assert.deepEqual(partial, [], 'no partial or wrong JPEG ever visible in live/');
    assert.deepEqual(orphans, [], 'no metadata file without its image');
    assert.ok(seen.size >= 150, `the reader saw ${seen.size} distinct images (≥ 150 needed)`);
    // What is left: the newest 20, each matching its metadata.
    const left = list(live).sort();
    assert.equal(left.length, 20);
    assert.equal(sequenceOf(left.at(-1)!), 200, 'the newest image stays');
    const metadata = metadataOf(folder);
    for (const name of left) {
      const data = readFileSync(join(live, name));
      const m = metadata.get(name.replace(/\.jpg$/, ''));
      assert.ok(m, `metadata for ${name}`);
      assert.equal(m.sequence, sequenceOf(name));
      assert.equal(m.bytes, data.length);
      assert.equal(m.sha256, createHash('sha256').update(data).digest('hex'));
      assert.deepEqual([m.width, m.height], [640, 480], 'size read from the SOF header');
    }
    assert.equal(metadata.size, 20, 'metadata of deleted images deleted too');
  });

  it('leaves only complete images in live/ when SIGKILLed during a write, and the next start empties .tmp', async () => {
    const folder = join(dir, 'killed');
    const live = join(folder, 'live');
    const tmp = join(folder, '.tmp');
    const size = sourceBytes + 18;
    // 1 KiB every 5 ms: each write takes a good part of a second, so the kill lands inside one.
    const slow = `${PYTHON} ${FIXTURES}/slow-writer.py ${source} {output} {sequence} 1024 5`;
    const capture = await start('host-capture', ['--folder', folder, '--command', slow, '--interval', '0.05']);
    const writing = await pollUntil(
      () => {
        if (list(live).length < 2) return undefined;
        const file = list(tmp).find((n) => n.endsWith('.jpg'));
        if (!file) return undefined;
        const bytes = statSync(join(tmp, file), { throwIfNoEntry: false })?.size ?? 0;
        return bytes > 0 && bytes < size ? file : undefined;
      },
      'a capture half written into .tmp/',
      60_000,
      1,
    );
    process.kill(capture.pid, 'SIGKILL');
    assert.equal(await capture.exited, null, 'killed by the signal');
    // The orphaned stand-in finishes its file in .tmp; host-capture is not there to rename it.
    await pollUntil(
      () => ((statSync(join(tmp, writing), { throwIfNoEntry: false })?.size ?? 0) === size ? true : undefined),
      'the stand-in to finish writing',
    );
    await sleep(100);
    assert.ok(list(tmp).includes(writing), `${writing} was never moved into live/`);
    const images = list(live);
    assert.ok(images.length >= 2);
    for (const name of images) assert.equal(jpegProblem(readFileSync(join(live, name)), size), null, name);
    for (const name of list(join(folder, 'metadata'))) {
      assert.ok(images.includes(name.replace(/\.json$/, '.jpg')), `${name} has its image`);
    }
    const highest = Math.max(...images.map(sequenceOf));
    // Next start: the leftovers go, sequence numbers go on.
    const fast = `${PYTHON} ${FIXTURES}/slow-writer.py ${source} {output} {sequence} 1048576 0`;
    const again = await runPython(HOST_CAPTURE, ['--folder', folder, '--command', fast, '--count', '1']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /removed \d+ leftover file\(s\) from .*\.tmp/);
    assert.deepEqual(list(tmp), [], '.tmp emptied');
    const newest = list(live).sort().at(-1)!;
    assert.ok(sequenceOf(newest) > highest, `sequence ${sequenceOf(newest)} continues after ${highest}`);
  });

  it('captures with a gst-launch-1.0 pipeline chosen by its settings file: pictures and metadata carry matching sequence numbers', async (t) => {
    const folder = join(dir, 'gst');
    const { command, overlay } = gstCommand();
    t.diagnostic(`overlay: ${overlay}`);
    const config = join(dir, 'gst.json');
    writeFileSync(
      config,
      JSON.stringify({ folder, command, width: 320, height: 240, quality: 85, interval: 0.1, count: 5 }, null, 1),
    );
    const run = await runPython(HOST_CAPTURE, ['--config', config]);
    assert.equal(run.code, 0, run.stderr);
    const images = list(join(folder, 'live')).sort();
    assert.deepEqual(images.map(sequenceOf), [1, 2, 3, 4, 5]);
    const metadata = metadataOf(folder);
    const hashes = new Set<string>();
    for (const name of images) {
      const data = readFileSync(join(folder, 'live', name));
      const m = metadata.get(name.replace(/\.jpg$/, ''))!;
      assert.equal(m.schema, 'host-capture/1');
      assert.equal(m.image, `live/${name}`);
      assert.equal(m.sequence, sequenceOf(name));
      assert.equal(m.sha256, createHash('sha256').update(data).digest('hex'));
      assert.deepEqual([m.width, m.height, m.quality], [320, 240, 85]);
      assert.equal(m.command, 'gst-launch-1.0');
      assert.equal(m.decoded, hasPil, 'fully decoded when python3-pil is installed');
      assert.equal(m.host, hostname());
      assert.ok(m.capture_start_ms <= m.capture_end_ms);
      hashes.add(m.sha256);
    }
    assert.equal(hashes.size, 5, 'each picture differs: the drawn sequence number changes it');
    const status = await statusOf(HOST_CAPTURE, ['--config', config]);
    assert.equal(status.state, 'stopped');
    assert.equal(status.running, false);
    assert.equal(status.captures, 5);
    assert.equal((status.last_capture as { sequence: number }).sequence, 5);
    assert.ok((status.last_capture_age_s as number) >= 0);
    assert.deepEqual(Object.keys(status.disk as object).sort(), ['free_bytes', 'image_bytes', 'images', 'total_bytes']);
    assert.equal((status.disk as { images: number }).images, 5);
  });

  it('runs rpicam-still by default with 4056×3040 at quality 95 and records the exposure and gains it reports', async () => {
    const folder = join(dir, 'default');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // rpicam-still on PATH is the stand-in: the default command template is the one under test.
    writeFileSync(
      join(bin, 'rpicam-still'),
      `#!/bin/sh\nexec ${PYTHON} ${join(FIXTURES, 'rpicam-still-standin.py')} "$@"\n`,
      { mode: 0o755 },
    );
    const full = join(dir, 'full.jpg');
    makeTestJpeg(full, 4056, 3040);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, STANDIN_JPEG: full };
    const run = await runPython(HOST_CAPTURE, ['--folder', folder, '--test-only'], 60_000, env);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { ok: boolean; metadata: Metadata & Record<string, unknown> };
    assert.equal(report.ok, true);
    const call = readFileSync(`${full}.calls`, 'utf8').trim();
    assert.match(call, /--width 4056 --height 3040 --quality 95 --encoding jpg --metadata \S+ --metadata-format json/);
    const m = report.metadata;
    assert.deepEqual([m.width, m.height, m.quality, m.command], [4056, 3040, 95, 'rpicam-still']);
    assert.deepEqual(
      [m.exposure_time_us, m.analogue_gain, m.digital_gain, m.lux, m.colour_temperature_k],
      [16666, 2.5, 1.0, 312.5, 4100],
    );
    assert.deepEqual(metadataOf(folder).get(m.name), m, 'the report is the metadata file');
    assert.deepEqual(list(join(folder, '.tmp')), [], "the tool's metadata file is not left behind");
  });

  it('retries a failing capture command with doubling delays, says why in the log and --status, and recovers', async () => {
    const folder = join(dir, 'failing');
    const flag = join(dir, 'camera-gone');
    writeFileSync(flag, '');
    const { command } = gstCommand();
    const failing = `${PYTHON} ${FIXTURES}/failing-capture.py ${flag} ${command}`;
    const args = ['--folder', folder, '--command', failing, '--width', '160', '--height', '120'];
    // --test-only: one attempt, a JSON report, exit 1 with the reason.
    const once = await runPython(HOST_CAPTURE, [...args, '--test-only']);
    assert.equal(once.code, 1);
    const report = JSON.parse(once.stdout) as { ok: boolean; error: CaptureErrorEntry };
    assert.equal(report.ok, false);
    assert.equal(report.error.exit_code, 1);

    const capture = await start('host-capture', [
      ...args,
      '--interval',
      '0.1',
      '--backoff-initial',
      '0.1',
      '--backoff-max',
      '0.4',
    ]);
    const failed = await pollUntil(async () => {
      const s = await statusOf(HOST_CAPTURE, ['--folder', folder]);
      return (s.consecutive_failures as number) >= 4 ? s : undefined;
    }, 'four failed captures in --status');
    assert.equal(failed.running, true);
    assert.equal(failed.state, 'backoff');
    const errors = failed.errors as CaptureErrorEntry[];
    assert.deepEqual(
      errors.slice(0, 4).map((e) => e.retry_in_s),
      [0.1, 0.2, 0.4, 0.4],
      'delays double up to backoff_max',
    );
    for (const error of errors) {
      assert.equal(error.reason, 'exit code 1');
      assert.equal(error.exit_code, 1);
      assert.match(error.stderr_tail, /sensor not responding/);
    }
    assert.match(capture.output(), /capture \d+ failed: exit code 1; stderr: sensor not responding/);
    // One host-capture per folder: a second one refuses to start.
    const second = await runPython(HOST_CAPTURE, [...args, '--test-only']);
    assert.equal(second.code, 3);
    assert.match(second.stderr, /another host-capture is running on/);

    unlinkSync(flag);
    const recovered = await pollUntil(async () => {
      const s = await statusOf(HOST_CAPTURE, ['--folder', folder]);
      return (s.captures as number) >= 1 ? s : undefined;
    }, 'a capture after the command works again');
    assert.equal(recovered.consecutive_failures, 0);
    assert.equal(recovered.state, 'running');
    const last = recovered.last_capture as { sequence: number; name: string };
    assert.ok(last.sequence > (recovered.failures as number), 'failed attempts used up their numbers');
    assert.ok(existsSync(join(folder, 'live', `${last.name}.jpg`)));
    assert.match(capture.output(), /capture works again after \d+ failure/);
    assert.equal(await stopGroup(capture), 0, 'SIGTERM stops it cleanly');
    assert.equal((await statusOf(HOST_CAPTURE, ['--folder', folder])).state, 'stopped');
  });

  it('rejects what is not a complete JPEG (truncated, no SOI, no frame header) and publishes nothing', async (t) => {
    const folder = join(dir, 'invalid');
    const whole = readFileSync(source);
    const noSof = Buffer.concat([whole.subarray(0, 2), Buffer.from([0xff, 0xfe, 0x00, 0x04, 0x41, 0x42, 0xff, 0xd9])]);
    const cases: [string, Buffer, RegExp][] = [
      ['truncated', whole.subarray(0, 1000), /invalid JPEG \(1000 bytes\): no EOI marker at the end/],
      [
        'png',
        Buffer.from('\x89PNG\r\n\x1a\n' + 'x'.repeat(100), 'latin1'),
        /invalid JPEG \(108 bytes\): no SOI marker/,
      ],
      ['nosof', noSof, /invalid JPEG \(10 bytes\): no SOF segment/],
    ];
    for (const [name, bytes, reason] of cases) {
      const file = join(dir, `${name}.bin`);
      writeFileSync(file, bytes);
      const run = await runPython(HOST_CAPTURE, [
        '--folder',
        folder,
        '--command',
        `cp ${file} {output}`,
        '--test-only',
      ]);
      assert.equal(run.code, 1, name);
      const report = JSON.parse(run.stdout) as { ok: boolean; error: CaptureErrorEntry };
      assert.match(report.error.reason, reason, name);
      assert.deepEqual(list(join(folder, 'live')), [], `${name}: nothing published`);
      assert.deepEqual(list(join(folder, '.tmp')), [], `${name}: nothing left in .tmp`);
    }
    // Markers and frame header intact, but the scan header (SOS) names a component the frame
    // does not have: only a full decode (python3-pil) can tell.
    if (!hasPil) {
      t.diagnostic('python3-pil is not installed: the full-decode check is not exercised');
      return;
    }
    const garbled = Buffer.from(whole);
    garbled[garbled.indexOf(Buffer.from([0xff, 0xda])) + 5] = 9;
    const file = join(dir, 'garbled.jpg');
    writeFileSync(file, garbled);
    const run = await runPython(HOST_CAPTURE, ['--folder', folder, '--command', `cp ${file} {output}`, '--test-only']);
    assert.equal(run.code, 1);
    assert.match((JSON.parse(run.stdout) as { error: CaptureErrorEntry }).error.reason, /decode failed/);
  });

  it('keeps at most max_images images and max_bytes bytes, deleting the oldest, always keeping the newest', async () => {
    const folder = join(dir, 'limits');
    const fast = `${PYTHON} ${FIXTURES}/slow-writer.py ${source} {output} {sequence} 1048576 0`;
    const byCount = await runPython(HOST_CAPTURE, [
      '--folder',
      folder,
      '--command',
      fast,
      '--count',
      '6',
      '--interval',
      '0.01',
      '--max-images',
      '3',
    ]);
    assert.equal(byCount.code, 0, byCount.stderr);
    assert.deepEqual(list(join(folder, 'live')).sort().map(sequenceOf), [4, 5, 6]);
    assert.deepEqual([...metadataOf(folder).values()].map((m) => m.sequence).sort(), [4, 5, 6]);
    // A byte limit below one image: only the newest stays.
    const byBytes = await runPython(HOST_CAPTURE, [
      '--folder',
      folder,
      '--command',
      fast,
      '--count',
      '2',
      '--interval',
      '0.01',
      '--max-bytes',
      '1K',
    ]);
    assert.equal(byBytes.code, 0, byBytes.stderr);
    assert.deepEqual(list(join(folder, 'live')).map(sequenceOf), [8]);
    assert.deepEqual(list(join(folder, 'metadata')).map(sequenceOf), [8]);
  });

  it('refuses bad settings with exit code 2 and a message naming the setting', async () => {
    const cases: [string[], RegExp][] = [
      [['--command', 'rpicam-still -o {outptu}'], /command: bad placeholder/],
      [['--quality', '0'], /quality: must be 1\.\.100/],
      [['--max-bytes', 'lots'], /max_bytes:/],
    ];
    for (const [args, message] of cases) {
      const run = await runPython(HOST_CAPTURE, ['--folder', join(dir, 'never'), ...args, '--test-only']);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, message);
    }
    const config = join(dir, 'bad.conf');
    writeFileSync(config, '[host-capture]\nintervall = 2\n');
    const run = await runPython(HOST_CAPTURE, ['--config', config, '--test-only']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown setting 'intervall'/);
    assert.equal(existsSync(join(dir, 'never')), false, 'nothing written');
  });
});
