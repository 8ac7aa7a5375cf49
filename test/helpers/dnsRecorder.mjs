// A DNS "server" for the test network namespace: listens on 127.0.0.1:53 (UDP and TCP), writes
// one line per query (`<proto> <name> <type>`) to the log file given as argv[2], and answers
// REFUSED so that the asker gives up at once. Started and stopped by scripts/netns-run.sh.
import { appendFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const log = process.argv[2];
if (!log) throw new Error('usage: dnsRecorder.mjs LOGFILE');

/** Reads the first question's name and type (RFC 1035 §4.1.2). */
function question(msg) {
  let offset = 12;
  const labels = [];
  while (offset < msg.length && msg[offset] !== 0 && labels.length < 64) {
    const len = msg[offset];
    labels.push(msg.subarray(offset + 1, offset + 1 + len).toString('latin1'));
    offset += len + 1;
  }
  const type = offset + 3 <= msg.length ? msg.readUInt16BE(offset + 1) : -1;
  return `${labels.join('.') || '.'} ${type}`;
}

/** The query with QR=1 and RCODE=5 (REFUSED). */
function refused(msg) {
  const out = Buffer.from(msg);
  if (out.length >= 4) {
    out[2] |= 0x80;
    out[3] = (out[3] & 0xf0) | 5;
  }
  return out;
}

const udp = createSocket('udp4');
udp.on('message', (msg, rinfo) => {
  appendFileSync(log, `udp ${question(msg)}\n`);
  udp.send(refused(msg), rinfo.port, rinfo.address);
});
const tcp = createServer((socket) => {
  socket.once('data', (data) => {
    const msg = data.subarray(2);
    appendFileSync(log, `tcp ${question(msg)}\n`);
    const reply = refused(msg);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(reply.length);
    socket.end(Buffer.concat([len, reply]));
  });
});
let ready = 0;
const listening = () => {
  ready += 1;
  if (ready === 2) appendFileSync(log, '# listening on 127.0.0.1:53\n');
};
udp.bind(53, '127.0.0.1', listening);
tcp.listen(53, '127.0.0.1', listening);
process.on('SIGTERM', () => process.exit(0));
