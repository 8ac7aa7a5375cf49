import type { Logger } from 'pino';
import { H264_PROFILES } from '../sfu/werift/weriftConfig.js';
import type { JanusConfig } from './janusConfig.js';
import type { JanusCameraSource } from './JanusForwarder.js';
import { JanusOutput } from './JanusOutput.js';

/** True for `localhost`, 127.0.0.0/8 and ::1. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The Janus forward of `outputs.janus` over the cameras, started; undefined when `apiUrl` is
 * unset. The RTP goes to `rtpHost` (default `apiUrl`'s host); `srtp: auto` encrypts unless that
 * host is a loopback address.
 */
export function createJanus(
  config: JanusConfig,
  cameras: Iterable<JanusCameraSource>,
  logger: Logger,
): JanusOutput | undefined {
  const { apiUrl } = config;
  if (apiUrl === undefined) return undefined;
  const rtpHost = config.rtpHost ?? new URL(apiUrl).hostname.replace(/^\[|\]$/g, '');
  const srtp = config.srtp === 'on' || (config.srtp === 'auto' && !isLoopback(rtpHost));
  const output = new JanusOutput(
    cameras,
    { config: { ...config, apiUrl }, rtpHost, srtp, profileLevelId: H264_PROFILES[0] },
    logger,
  );
  output.start();
  return output;
}
