import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { RgbImage } from '../../../server/vision/visionTypes.js';

/**
 * Frames of OpenCV's sample video `vtest.avi` (Debian opencv-doc examples/data/vtest.avi: 795
 * frames of 768 × 576, people walking across a square seen from a first floor), decoded with
 * GStreamer's `gst-launch-1.0` to RGB24 at test time so no frame is committed. The file is
 * installed and pinned by its SHA-256 through test/fixtures/objects/images.json (`vtest`).
 */
export const VTEST_WIDTH = 768;
export const VTEST_HEIGHT = 576;

/** Throws unless `path` has the SHA-256 `sha256` (hex). */
export async function assertSha256(path: string, sha256: string): Promise<void> {
  const got = createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
  if (got !== sha256) throw new Error(`${path}: SHA-256 ${got}, pinned ${sha256}`);
}

/**
 * Decodes `vtest.avi` at `path` and returns the frames numbered `indices` (0-based), in ascending order of
 * index. Stops GStreamer once the last wanted frame arrived.
 */
export function vtestFrames(path: string, indices: readonly number[]): Promise<Map<number, RgbImage>> {
  const wanted = new Set(indices);
  const last = Math.max(...indices);
  const frameBytes = VTEST_WIDTH * VTEST_HEIGHT * 3;
  return new Promise((resolve, reject) => {
    const gst = spawn(
      'gst-launch-1.0',
      [
        '-q',
        'filesrc',
        `location=${path}`,
        '!',
        'decodebin',
        '!',
        'videoconvert',
        '!',
        `video/x-raw,format=RGB,width=${VTEST_WIDTH},height=${VTEST_HEIGHT}`,
        '!',
        'fdsink',
        'fd=1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const frames = new Map<number, RgbImage>();
    let index = 0;
    let current = Buffer.alloc(frameBytes);
    let filled = 0;
    let stderr = '';
    gst.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    gst.stdout.on('data', (chunk: Buffer) => {
      let offset = 0;
      while (offset < chunk.length && index <= last) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        if (wanted.has(index)) chunk.copy(current, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          if (wanted.has(index)) {
            frames.set(index, { width: VTEST_WIDTH, height: VTEST_HEIGHT, data: current });
            current = Buffer.alloc(frameBytes);
          }
          filled = 0;
          index += 1;
        }
      }
      if (index > last) gst.kill('SIGTERM');
    });
    gst.once('error', reject);
    gst.once('close', () => {
      if (frames.size === wanted.size) resolve(frames);
      else reject(new Error(`vtest.avi: got ${frames.size} of ${wanted.size} frames (${index} decoded) ${stderr}`));
    });
  });
}
