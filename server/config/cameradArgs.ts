import { join } from 'node:path';
import type { ResolvedCamera, ResolvedConfig } from './loadConfig.js';

/**
 * The file camerad reads its source URI from (`--source-file`): `camerad-<id>.source` in the
 * runtime folder (mode 0700). Written with mode 0600 before camerad starts (by the supervisor in
 * spawn mode, by `plan.js` for entrypoint.sh), so the URI and any credentials in it never appear
 * in argv (`ps`, `/proc/PID/cmdline`) or in the environment.
 */
export function cameradSourceFile(camera: Pick<ResolvedCamera, 'id'>, runtimeDir: string): string {
  return join(runtimeDir, `camerad-${camera.id}.source`);
}

/**
 * camerad's argv for one camera (after the binary), from the validated configuration.
 * The flags are documented in native/README.md; camerad re-checks every value and exits with
 * code 2 naming the flag when one is bad. The source is passed as `--source-file`
 * ({@link cameradSourceFile}), never on the command line.
 */
export function cameradArgs(
  camera: ResolvedCamera,
  config: Pick<ResolvedConfig, 'log' | 'outputs'> & { camerad: Pick<ResolvedConfig['camerad'], 'runtimeDir'> },
): string[] {
  const logLevel = config.log.level === 'trace' ? 'debug' : config.log.level === 'fatal' ? 'error' : config.log.level;
  return [
    `--camera=${camera.id}`,
    `--source-file=${cameradSourceFile(camera, config.camerad.runtimeDir)}`,
    `--width=${camera.width}`,
    `--height=${camera.height}`,
    `--fps=${camera.fps}`,
    `--bitrate=${camera.bitrateKbps}`,
    `--keyframe-interval=${camera.keyframeInterval}`,
    `--encoder=${camera.encoder}`,
    `--x264-preset=${camera.x264Preset}`,
    `--rtp-host=127.0.0.1`,
    `--rtp-port=${camera.rtpPort}`,
    `--control=${camera.socketPath}`,
    `--source-timeout-ms=${camera.sourceTimeoutMs}`,
    `--dir-max-age-ms=${camera.dirMaxAgeMs}`,
    `--log-level=${logLevel}`,
    `--analysis-fps=${camera.analysisFps}`,
    `--analysis-width=${camera.analysisWidth}`,
    `--analysis-height=${camera.analysisHeight}`,
    `--overlays-private=${config.outputs.overlays.private}`,
    `--overlays-public=${config.outputs.overlays.public}`,
    ...(camera.latencyProbe ? ['--latency-probe'] : []),
  ];
}
