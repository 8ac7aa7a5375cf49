/**
 * A Janus load-generator process: hosts receive-only Janus viewers ({@link JanusBenchViewer}) of
 * one camera and reports their RTP counts to its parent (`run.ts`) over Node's IPC channel, with
 * bench/fanout's protocol (LoadgenProtocol.ts), so bench/fanout/LoadgenProcess.ts drives it.
 *
 * Usage (spawned by run.ts with an IPC channel):
 *   `node --import tsx bench/janus/janusLoadgen.ts --url http://127.0.0.1:PORT/api/cameras/CAM/janus
 *     [--concurrency 4] [--stats-interval-ms 1000]`
 */
import { parseArgs } from 'node:util';
import type { ChildMessage, ParentMessage } from '../fanout/LoadgenProtocol.js';
import { JanusBenchViewer } from './JanusBenchViewer.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    'stats-interval-ms': { type: 'string', default: '1000' },
  },
});
if (!values.url || !process.send) {
  process.stderr.write('janusLoadgen: needs --url and an IPC channel (it is started by bench/janus/run.ts)\n');
  process.exit(2);
}
const url = values.url;
const concurrency = Math.max(1, Number(values.concurrency));

const viewers: JanusBenchViewer[] = [];
let nextIndex = 0;
let stopping = false;

function send(message: ChildMessage): void {
  if (process.connected) process.send!(message);
}

function snapshot(id: number | null): ChildMessage {
  return { type: 'stats', id, viewers: viewers.map((v) => v.stats()) };
}

async function add(count: number): Promise<void> {
  const indexes = Array.from({ length: count }, () => nextIndex++);
  const worker = async (): Promise<void> => {
    for (let index = indexes.shift(); index !== undefined && !stopping; index = indexes.shift()) {
      try {
        viewers.push(await JanusBenchViewer.connect(url, index));
      } catch (error) {
        send({ type: 'error', message: `viewer ${index}: ${(error as Error).message}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(statsTimer);
  await Promise.all(viewers.map((v) => v.close()));
  send({ type: 'stopped' });
  setTimeout(() => process.exit(0), 100);
}

const statsTimer = setInterval(() => send(snapshot(null)), Number(values['stats-interval-ms']));

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'add':
      void add(message.count);
      break;
    case 'snapshot':
      send(snapshot(message.id));
      break;
    case 'stop':
      void stop();
      break;
  }
});
process.on('disconnect', () => void stop());
send({ type: 'ready', pid: process.pid });
