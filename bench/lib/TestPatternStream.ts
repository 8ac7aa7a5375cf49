/** A videotestsrc H.264 stream as the benches send it, from camerad (`test://<pattern>`) or the baseline. */
export interface TestPatternStream {
  /** px */
  width: number;
  /** px */
  height: number;
  /** frames/s */
  fps: number;
  /** kbit/s */
  bitrateKbps: number;
  /** Frames between IDRs. */
  keyframeInterval: number;
  /**
   * videotestsrc pattern, moving as camerad moves it (`horizontal-speed=4` unless `ball`).
   * `ball` is mostly black and encodes to a few hundred kbit/s whatever the bitrate; `smpte`
   * scrolling fills the 2.5 Mbit/s.
   */
  pattern: string;
}

/** The server camera `id` that sends `stream` (camerad's `test://<pattern>`), as BenchServer takes it. */
export function testPatternCamera(
  id: string,
  stream: TestPatternStream,
): { id: string; source: string } & Omit<TestPatternStream, 'pattern'> {
  const { pattern, ...settings } = stream;
  return { id, source: `test://${pattern}`, ...settings };
}
