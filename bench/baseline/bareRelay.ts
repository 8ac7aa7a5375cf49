/**
 * The benchmark baseline: the bare prototype of ../shared/design/MEDIA-NOTES.md, with no
 * project code. RTP from a GStreamer sender on 127.0.0.1 is written, packet by packet, to one
 * werift peer per viewer (`track.writeRtp`, which parses the packet again for each viewer).
 * No keyframe gate, no GOP cache, no forced keyframes, one JS thread.
 *
 * Serves:
 * - `POST /whep` (body: SDP offer, `application/sdp`) → 201 with the SDP answer;
 * - `GET /status` → `{"viewers": n, "packets": n}`;
 * - `GET /*` → static files from `--web-root` (so a bench page loads from the same origin).
 *
 * Usage: `node --import tsx bench/baseline/bareRelay.ts --rtp-port 5004 --http-port 18200
 *   [--web-root web/dist]`. Prints `ready <httpPort>` on stdout when listening.
 *
 * ICE-lite and an empty STUN list are the only settings: without `iceLite` werift 0.25.2
 * would look up stun.l.google.com, and benches must not leave 127.0.0.1.
 */
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';

const { values } = parseArgs({
  options: {
    'rtp-port': { type: 'string' },
    'http-port': { type: 'string', default: '0' },
    'web-root': { type: 'string' },
  },
});
if (!values['rtp-port']) {
  process.stderr.write('bareRelay: --rtp-port is required\n');
  process.exit(2);
}

const viewers = new Set<{ pc: RTCPeerConnection; track: MediaStreamTrack }>();
let packets = 0;

const rtp = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
rtp.on('message', (packet) => {
  packets += 1;
  for (const viewer of viewers) viewer.track.writeRtp(packet);
});
rtp.bind(Number(values['rtp-port']), '127.0.0.1');

async function answer(offer: string): Promise<string> {
  const pc = new RTCPeerConnection({
    iceLite: true,
    iceServers: [],
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    codecs: {
      video: ['42e01f', '42001f'].map(
        (profile) =>
          new RTCRtpCodecParameters({
            mimeType: 'video/H264',
            clockRate: 90_000,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
            parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${profile}`,
          }),
      ),
      audio: [],
    },
  });
  const track = new MediaStreamTrack({ kind: 'video' });
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  const transceiver = pc.getTransceivers().find((t) => t.kind === 'video');
  if (!transceiver) throw new Error('offer has no video m-line');
  transceiver.setDirection('sendonly');
  await transceiver.sender.replaceTrack(track);
  await pc.setLocalDescription(await pc.createAnswer());
  const viewer = { pc, track };
  viewers.add(viewer);
  pc.connectionStateChange.subscribe((state) => {
    if (state === 'failed' || state === 'closed') viewers.delete(viewer);
  });
  return pc.localDescription!.sdp;
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      try {
        if (req.method === 'POST' && req.url?.startsWith('/whep')) {
          const sdp = await answer(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(201, { 'content-type': 'application/sdp', location: `/whep/${viewers.size}` });
          res.end(sdp);
        } else if (req.method === 'GET' && req.url === '/status') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ viewers: viewers.size, packets }));
        } else if (req.method === 'GET' && values['web-root']) {
          const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
          const file = join(values['web-root'], path.endsWith('/') ? `${path}index.html` : path);
          const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }[extname(file)];
          let body: Buffer;
          try {
            body = await readFile(file);
          } catch {
            res.writeHead(404).end(); // no such file (e.g. the player's api/webrtc/ice-servers: none here)
            return;
          }
          res.writeHead(200, { 'content-type': type ?? 'application/octet-stream' });
          res.end(body);
        } else {
          res.writeHead(404).end();
        }
      } catch (error) {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end((error as Error).message);
      }
    })();
  });
});
server.listen(Number(values['http-port']), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`ready ${typeof address === 'object' && address ? address.port : 0}\n`);
});

function stop(): void {
  for (const viewer of viewers) void viewer.pc.close();
  rtp.close();
  server.close();
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
