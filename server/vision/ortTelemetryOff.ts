/**
 * Turns onnxruntime's telemetry off before its native library loads: the npm build's
 * `libonnxruntime.so` otherwise posts events to mobile.events.data.microsoft.com (its POSIX
 * telemetry, read from the `ORT_DISABLE_TELEMETRY` environment variable). Import this module
 * before `onnxruntime-node` in every file that imports it; entrypoint.sh exports it as well.
 * Node's `process.env` assignment on the main thread sets the real process environment, which
 * the native library (also on worker threads) reads.
 */
process.env.ORT_DISABLE_TELEMETRY = '1';

export {};
