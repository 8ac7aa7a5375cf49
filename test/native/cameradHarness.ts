/**
 * Test harness for native/build/camerad: process spawning, a control-socket
 * client speaking native/PROTOCOL.md, and an RTP/H.264 receiver on 127.0.0.1.
 * Only node: built-ins, and the probe decoder the viewer page uses (web/src/probeCodec.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProbe } from '../../web/src/probeCodec.js';
import { CAMERAD, requireCamerad } from '../helpers/camerad.js';
import { freeUdpPort } from '../helpers/freePort.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The binary under test, and the check that fails a test when it is not built (test/helpers/camerad.ts). */
export { CAMERAD, requireCamerad };

let counter = 0;
/** A socket path unique to this test process. */
export function uniqueSocketPath(tag: string): string {
  counter += 1;
  return join(tmpdir(), `camerad-test-${process.pid}-${tag}-${counter}.sock`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every 20 ms until it returns a value (not undefined) or the timeout passes. */
export async function waitUntil<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------- process

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class CameradProcess {
  readonly child: ChildProcess;
  stderr = '';
  readonly exited: Promise<Exit>;

  /**
   * @param options.prefix a command that runs camerad (its path and `args` are appended), e.g.
   *   `['prlimit', '--fsize=100000']`
   * @param options.env the environment (default this process's)
   */
  constructor(args: string[], options: { prefix?: string[]; env?: NodeJS.ProcessEnv } = {}) {
    const [command, ...before] = options.prefix ?? [];
    this.child = command
      ? spawn(command, [...before, requireCamerad(), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env })
      : spawn(requireCamerad(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (d: string) => {
      this.stderr += d;
      if (process.env.CAMERAD_TEST_VERBOSE) process.stderr.write(d);
    });
    this.child.stdout?.resume();
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r({ code, signal })));
  }

  /** Waits for exit; kills with SIGKILL after timeoutMs. */
  async waitExit(timeoutMs = 10_000): Promise<Exit> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then SIGKILL when it does not stop within 5 s. Safe to call twice. */
  async stop(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.waitExit(5000);
  }
}

/** Runs camerad to completion (for configuration errors). */
export async function runCamerad(args: string[], timeoutMs = 10_000): Promise<Exit & { stderr: string }> {
  const p = new CameradProcess(args);
  const exit = await p.waitExit(timeoutMs);
  return { ...exit, stderr: p.stderr };
}

// ---------------------------------------------------------------- control client

export interface Notification {
  event: string;
  data: Record<string, unknown>;
}
export interface Response {
  id: number;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/**
 * A kind-4 (analysis), kind-5 (still) or kind-6 (grab) picture message (native/PROTOCOL.md, "Picture messages"),
 * decoded here independently of media/camerad so the tests check the wire format itself.
 */
export interface Picture {
  kind: number;
  version: number;
  headerLength: number;
  /** 1 RGB24, 2 JPEG. */
  format: number;
  flags: number;
  frame: number;
  captureUs: number;
  width: number;
  height: number;
  stride: number;
  requestId: number;
  data: Buffer;
  /** Date.now() when the whole message had been read. */
  receivedAt: number;
}

export function parsePicture(kind: number, payload: Buffer): Picture {
  assertMagic(payload);
  const headerLength = payload.readUInt8(5);
  const dataLength = payload.readUInt32BE(36);
  if (payload.length !== headerLength + dataLength) {
    throw new Error(`picture of ${payload.length} bytes, header says ${headerLength} + ${dataLength}`);
  }
  return {
    kind,
    version: payload.readUInt8(4),
    headerLength,
    format: payload.readUInt8(6),
    flags: payload.readUInt8(7),
    frame: Number(payload.readBigUInt64BE(8)),
    captureUs: Number(payload.readBigUInt64BE(16)),
    width: payload.readUInt16BE(24),
    height: payload.readUInt16BE(26),
    stride: payload.readUInt32BE(28),
    requestId: payload.readUInt32BE(32),
    data: payload.subarray(headerLength),
    receivedAt: Date.now(),
  };
}

function assertMagic(payload: Buffer): void {
  if (payload.length < 40 || payload.toString('latin1', 0, 4) !== 'CFRM') {
    throw new Error(`not a picture message: ${payload.subarray(0, 8).toString('hex')}`);
  }
}

export function encodeFrame(kind: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length + 1, 0);
  header.writeUInt8(kind, 4);
  return Buffer.concat([header, payload]);
}

export class ControlClient {
  readonly notifications: Notification[] = [];
  readonly responses: Response[] = [];
  /** Picture messages (kinds 4, 5 and 6), in arrival order. */
  readonly pictures: Picture[] = [];
  /** Kind and id (response id, picture request id) of every response and picture, in arrival order. */
  readonly arrivals: { kind: number; id: number }[] = [];
  /** Called for each picture as it arrives (e.g. to acknowledge analysis frames). */
  onPicture: ((picture: Picture) => void) | undefined;
  closed = false;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private nextId = 1;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  /** Connects, retrying until the socket exists (camerad is starting) or timeoutMs passes. */
  static async connect(path: string, timeoutMs = 10_000): Promise<ControlClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((res, rej) => {
          const s = connect(path);
          s.once('connect', () => res(s));
          s.once('error', rej);
        });
        return new ControlClient(socket);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(50);
      }
    }
  }

  private onData(d: Buffer): void {
    // Chunks are joined only when a frame is complete (pictures span many reads).
    this.chunks.push(d);
    this.buffered += d.length;
    for (;;) {
      if (this.buffered < 5) return;
      if (this.chunks[0]!.length < 5) this.chunks = [Buffer.concat(this.chunks)];
      const length = this.chunks[0]!.readUInt32BE(0);
      if (this.buffered < 4 + length) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      const kind = all.readUInt8(4);
      const payload = all.subarray(5, 4 + length);
      const rest = all.subarray(4 + length);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      if (kind === 2) {
        const response = JSON.parse(payload.toString('utf8')) as Response;
        this.responses.push(response);
        this.arrivals.push({ kind, id: response.id });
      } else if (kind === 3) this.notifications.push(JSON.parse(payload.toString('utf8')) as Notification);
      else if (kind === 4 || kind === 5 || kind === 6) {
        const picture = parsePicture(kind, Buffer.from(payload));
        this.pictures.push(picture);
        this.arrivals.push({ kind, id: picture.requestId });
        this.onPicture?.(picture);
      }
    }
  }

  sendRaw(data: Buffer): void {
    this.socket.write(data);
  }

  /** Sends a request and waits for the response with the same id. */
  async request(method: string, params?: Record<string, unknown>, timeoutMs = 5000): Promise<Response> {
    const id = this.send(method, params);
    return waitUntil(`response to ${method}`, timeoutMs, () => this.responses.find((r) => r.id === id));
  }

  /** Sends a request without waiting; returns its id. */
  send(method: string, params?: Record<string, unknown>): number {
    const id = this.nextId++;
    const body: Record<string, unknown> = { id, method };
    if (params) body.params = params;
    this.sendRaw(encodeFrame(1, Buffer.from(JSON.stringify(body))));
    return id;
  }

  /** Waits for a notification `event` (at index >= from) matching `match`. */
  async waitEvent(
    event: string,
    timeoutMs: number,
    match: (data: Record<string, unknown>) => boolean = () => true,
    from = 0,
  ): Promise<Notification> {
    return waitUntil(`notification ${event}`, timeoutMs, () =>
      this.notifications.slice(from).find((n) => n.event === event && match(n.data)),
    );
  }

  events(event: string): Notification[] {
    return this.notifications.filter((n) => n.event === event);
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------- RTP / H.264

export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  seq: number;
  timestamp: number;
  ssrc: number;
  /** H.264 NAL unit types this packet starts or carries (FU-A: only in its first fragment). */
  nalTypes: number[];
  receivedAt: number;
}

/** NAL unit types in an RTP/H.264 payload (RFC 6184: single NAL, STAP-A, FU-A). */
export function h264NalTypes(payload: Buffer): number[] {
  if (payload.length < 1) return [];
  const type = payload[0]! & 0x1f;
  if (type >= 1 && type <= 23) return [type];
  if (type === 24) {
    const types: number[] = [];
    let offset = 1;
    while (offset + 2 < payload.length) {
      const size = payload.readUInt16BE(offset);
      offset += 2;
      if (size === 0 || offset + size > payload.length) break;
      types.push(payload[offset]! & 0x1f);
      offset += size;
    }
    return types;
  }
  if (type === 28 && payload.length >= 2) {
    const fuHeader = payload[1]!;
    return fuHeader & 0x80 ? [fuHeader & 0x1f] : [];
  }
  return [];
}

export function parseRtp(msg: Buffer): RtpPacket | undefined {
  if (msg.length < 12 || msg[0]! >> 6 !== 2) return undefined;
  const cc = msg[0]! & 0x0f;
  let offset = 12 + 4 * cc;
  if (msg[0]! & 0x10) {
    if (msg.length < offset + 4) return undefined;
    offset += 4 + 4 * msg.readUInt16BE(offset + 2);
  }
  let end = msg.length;
  if (msg[0]! & 0x20) end -= msg[msg.length - 1]!;
  if (offset > end) return undefined;
  return {
    payloadType: msg[1]! & 0x7f,
    marker: (msg[1]! & 0x80) !== 0,
    seq: msg.readUInt16BE(2),
    timestamp: msg.readUInt32BE(4),
    ssrc: msg.readUInt32BE(8),
    nalTypes: h264NalTypes(msg.subarray(offset, end)),
    receivedAt: Date.now(),
  };
}

/** Receives RTP on 127.0.0.1 (an OS-chosen port) and keeps every packet. */
export class RtpReceiver {
  readonly packets: RtpPacket[] = [];
  private constructor(
    private readonly socket: UdpSocket,
    readonly port: number,
  ) {
    socket.on('message', (msg: Buffer) => {
      const p = parseRtp(msg);
      if (p) this.packets.push(p);
    });
  }

  static async open(): Promise<RtpReceiver> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    return new RtpReceiver(socket, socket.address().port);
  }

  /** Distinct RTP timestamps (= frames) in arrival order, with their NAL types. */
  frames(from = 0): { timestamp: number; nalTypes: number[]; firstIndex: number }[] {
    const out: { timestamp: number; nalTypes: number[]; firstIndex: number }[] = [];
    const byTs = new Map<number, { timestamp: number; nalTypes: number[]; firstIndex: number }>();
    this.packets.slice(from).forEach((p, i) => {
      let f = byTs.get(p.timestamp);
      if (!f) {
        f = { timestamp: p.timestamp, nalTypes: [], firstIndex: from + i };
        byTs.set(p.timestamp, f);
        out.push(f);
      }
      f.nalTypes.push(...p.nalTypes);
    });
    return out;
  }

  close(): void {
    this.socket.close();
  }
}

export interface GrayFrame {
  /** Date.now() when the whole decoded frame had been read. */
  receivedAt: number;
  /** The latency probe's capture time, ms since the Unix epoch; undefined without a valid strip. */
  probeMs: number | undefined;
}

/**
 * Receives camerad's RTP/H.264 on a UDP port of 127.0.0.1 with a real GStreamer pipeline
 * (gst-launch-1.0: udpsrc ! rtph264depay ! avdec_h264 ! videoconvert ! GRAY8 ! fdsink), reads
 * the raw grey frames from its stdout and decodes the latency probe strip of each.
 */
export class GrayFrameReceiver {
  readonly frames: GrayFrame[] = [];
  stderr = '';
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly stride: number;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly width: number,
    readonly height: number,
  ) {
    this.stride = Math.ceil(width / 4) * 4; // GStreamer's default GRAY8 row stride
    child.stdout?.on('data', (d: Buffer) => this.onData(d));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (this.stderr += d));
  }

  static async open(width: number, height: number): Promise<GrayFrameReceiver> {
    const port = await freeUdpPort();
    const caps = 'application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=96';
    const child = spawn(
      'gst-launch-1.0',
      [
        '-q',
        'udpsrc',
        'address=127.0.0.1',
        `port=${port}`,
        `caps=${caps}`,
        '!',
        'rtph264depay',
        '!',
        'avdec_h264',
        '!',
        'videoconvert',
        '!',
        `video/x-raw,format=GRAY8,width=${width},height=${height}`,
        '!',
        'fdsink',
        'fd=1',
        'sync=false',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const receiver = new GrayFrameReceiver(child, port, width, height);
    await sleep(300); // let udpsrc bind before the sender starts
    if (child.exitCode !== null) throw new Error(`gst-launch-1.0 exited: ${receiver.stderr}`);
    return receiver;
  }

  private onData(d: Buffer): void {
    const frameBytes = this.stride * this.height;
    this.pending.push(d);
    this.pendingBytes += d.length;
    if (this.pendingBytes < frameBytes) return;
    const receivedAt = Date.now();
    let all = Buffer.concat(this.pending);
    while (all.length >= frameBytes) {
      const frame = all.subarray(0, frameBytes);
      this.frames.push({
        receivedAt,
        probeMs: decodeProbe(frame, this.width, this.height, { channels: 1, stride: this.stride }) ?? undefined,
      });
      all = all.subarray(frameBytes);
    }
    this.pending = all.length ? [Buffer.from(all)] : [];
    this.pendingBytes = all.length;
  }

  /** Waits until at least `count` frames arrived after index `from` (matching `match`); returns them. */
  async waitFrames(
    count: number,
    timeoutMs: number,
    from = 0,
    match: (f: GrayFrame) => boolean = () => true,
  ): Promise<GrayFrame[]> {
    return waitUntil(`${count} decoded frames`, timeoutMs, () => {
      const got = this.frames.slice(from).filter(match);
      return got.length >= count ? got : undefined;
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await gone;
  }
}

/** A camerad under test: the process, its control client and the RTP receiver it sends to. */
export interface Running {
  proc: CameradProcess;
  client: ControlClient;
  rtp: RtpReceiver;
  socketPath: string;
}

/**
 * Starts camerad (x264enc) on `source` sending RTP to a new receiver (or to `rtpPort`, another
 * receiver's port), and connects a control client; with `waitHello`, waits for its `hello`.
 * `prefix` and `env` are passed to CameradProcess.
 * @throws Error with camerad's stderr when the control socket does not come up.
 */
export async function startCamerad(
  source: string,
  extra: string[] = [],
  options: {
    rtpPort?: number;
    tag?: string;
    waitHello?: boolean;
    /** Runs camerad through this command (CameradProcess). */
    prefix?: string[];
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<Running> {
  requireCamerad();
  const rtp = await RtpReceiver.open();
  const socketPath = uniqueSocketPath(options.tag ?? 'ctl');
  const proc = new CameradProcess(
    [
      `--source=${source}`,
      `--rtp-port=${options.rtpPort ?? rtp.port}`,
      `--control=${socketPath}`,
      '--encoder=x264enc',
      ...extra,
    ],
    { prefix: options.prefix, env: options.env },
  );
  try {
    const client = await ControlClient.connect(socketPath, 10_000);
    if (options.waitHello) await client.waitEvent('hello', 5000);
    return { proc, client, rtp, socketPath };
  } catch (error) {
    await proc.stop();
    rtp.close();
    throw new Error(`cannot connect to camerad: ${String(error)}\n${proc.stderr}`, { cause: error });
  }
}

/** Stops what `startCamerad` started (nothing for undefined). */
export async function stopCamerad(r: Running | undefined): Promise<void> {
  if (!r) return;
  r.client.close();
  await r.proc.stop();
  r.rtp.close();
}
