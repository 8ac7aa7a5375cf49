/** One access unit ready for every viewer of a camera: its message built once (wsMessages.ts). */
export interface WsVideoFrame {
  keyframe: boolean;
  /** The binary message (20-byte header + AVC NAL units), shared by every viewer: never changed. */
  message: Buffer;
}
