/**
 * A load-generator process: hosts receive-only viewers of one URL and reports their RTP counts
 * to its parent (bench/fanout/run.ts, bench/janus/run.ts) over Node's IPC channel
 * (LoadgenProtocol.ts). `--protocol whep` (default): WHEP viewers of the box
 * ({@link BenchViewer}); `janus`: viewers of a Janus mountpoint, each with a token minted at the
 * URL ({@link JanusBenchViewer}).
 *
 * Usage (spawned with an IPC channel):
 *   `node --import tsx bench/fanout/loadgen.ts --url http://127.0.0.1:PORT/whep/CAM
 *     [--protocol whep|janus] [--concurrency 4] [--stats-interval-ms 1000]`
 * Viewers are added on `add` messages; `stop` (or the parent going away) DELETEs them all and
 * exits 0. A viewer that cannot join is reported as `error`; the parent decides what to do.
 */
import { parseArgs } from 'node:util';
import { JanusBenchViewer } from '../janus/JanusBenchViewer.js';
import { BenchViewer } from './BenchViewer.js';
import type { ChildMessage, ParentMessage } from './LoadgenProtocol.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    protocol: { type: 'string', default: 'whep' },
    concurrency: { type: 'string', default: '4' },
    'stats-interval-ms': { type: 'string', default: '1000' },
  },
});
if (!values.url || !process.send || !['whep', 'janus'].includes(values.protocol)) {
  process.stderr.write(
    'loadgen: needs --url, --protocol whep|janus and an IPC channel (it is started by bench/fanout/run.ts or bench/janus/run.ts)\n',
  );
  process.exit(2);
}
const url = values.url;
/** Connects viewer `index` of the chosen protocol. */
const connect = (index: number): Promise<BenchViewer | JanusBenchViewer> =>
  values.protocol === 'janus' ? JanusBenchViewer.connect(url, index) : BenchViewer.connect({ url, index });
/** WHEP exchanges (and so DTLS handshakes) in flight at once. */
const concurrency = Math.max(1, Number(values.concurrency));

const viewers: (BenchViewer | JanusBenchViewer)[] = [];
let nextIndex = 0;
let stopping = false;

function send(message: ChildMessage): void {
  if (process.connected) process.send!(message);
}

function snapshot(id: number | null): ChildMessage {
  return { type: 'stats', id, viewers: viewers.map((v) => v.stats()) };
}

/** Connects `count` viewers, `concurrency` at a time; the first failure is reported. */
async function add(count: number): Promise<void> {
  const indexes = Array.from({ length: count }, () => nextIndex++);
  const worker = async (): Promise<void> => {
    for (let index = indexes.shift(); index !== undefined && !stopping; index = indexes.shift()) {
      try {
        viewers.push(await connect(index));
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
  // Let the IPC message flush, then leave (werift keeps timers that would hold the loop).
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
    default:
      send({ type: 'error', message: `unknown message ${JSON.stringify(message)}` });
  }
});
// The parent went away (crashed or killed): do not linger as an orphan viewer.
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
send({ type: 'ready', pid: process.pid });
