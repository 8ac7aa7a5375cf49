import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type ZodError } from 'zod';
import { ConfigError } from './ConfigError.js';
import { type CameraConfig, type Config, configSchema, SOURCE_SCHEMES } from './configSchema.js';
import { SAMPLE_FOOTAGE } from './projectRoot.js';
import { firstZodIssue } from '../zodIssue.js';
import { maskSourceUrl } from '../../media/camerad/sourceCredentials.js';
import { TURN_SECRET_MIN_LENGTH } from '../../media/sfu/webrtcConfig.js';

/** Prefix of environment overrides: `ECS_SERVER__PORT=8081` sets `server.port`. */
export const ENV_PREFIX = 'ECS_';

/** One camera after defaults and port assignment, ready to start. */
export interface ResolvedCamera extends CameraConfig {
  name: string;
  rtpPort: number;
  /** camerad control socket path. */
  socketPath: string;
}

/** The validated configuration with absolute paths and resolved cameras. */
export interface ResolvedConfig extends Omit<Config, 'cameras' | 'auth' | 'chain' | 'biometrics'> {
  root: string;
  /** Key file paths are absolute and always set (defaults under `storage.dataDir`). */
  auth: Config['auth'] & { jwtSecretFile: string };
  chain: Config['chain'] & { keypairFile: string };
  biometrics: Config['biometrics'] & { masterKeyFile: string };
  cameras: ResolvedCamera[];
  /** Where the configuration came from, for the start-up log. */
  origin: string;
}

/**
 * Loads the configuration: an optional YAML/JSON file, then environment overrides, then
 * strict validation and semantic checks (source URIs, files, ports, token).
 * @param root project root; relative paths are resolved against it.
 * @param file config file path, or undefined for defaults only.
 * @param env environment (overrides are the `ECS_` variables; `ECS_CONFIG` is the file).
 * @throws ConfigError naming the setting (dotted path) on the first problem found.
 */
export function loadConfig(root: string, file: string | undefined, env: NodeJS.ProcessEnv): ResolvedConfig {
  const raw: Record<string, unknown> = file ? readConfigFile(file) : {};
  applyEnvOverrides(raw, env);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw zodToConfigError(parsed.error);
  return resolveConfig(parsed.data, root, file ? `file ${file}` : 'defaults');
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('config', `cannot read ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      'config',
      `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError('config', `${file} must hold a mapping`);
  return value as Record<string, unknown>;
}

/** `SNAKE_CASE` → `camelCase`. */
function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Applies `ECS_A__B_C=value` as `a.bC = value`; values are JSON when they parse as JSON
 * (numbers, booleans, arrays), else strings. Unknown keys surface in validation with their path.
 */
function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) {
    // An empty value means unset (compose files pass optional variables as "").
    if (!name.startsWith(ENV_PREFIX) || name === `${ENV_PREFIX}CONFIG` || value === undefined || value === '') continue;
    const path = name.slice(ENV_PREFIX.length).split('__').map(camel);
    let node: Record<string, unknown> = raw;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = value; // not JSON: a plain string such as a host name or token
    }
    node[path[path.length - 1]!] = parsed;
  }
}

/** Each gesture action names known cameras, and some camera it applies to runs the hands analyzer. */
function checkGestureActions(config: Config, cameras: readonly ResolvedCamera[]): void {
  const withHands = new Set(cameras.filter((c) => c.analyzers.some((a) => a.type === 'hands')).map((c) => c.id));
  config.gestures.actions.forEach((action, i) => {
    const at = `gestures.actions[${i}]`;
    const unknown = action.cameras?.find((id) => !cameras.some((c) => c.id === id));
    if (unknown !== undefined) throw new ConfigError(`${at}.cameras`, `unknown camera "${unknown}"`);
    const applies = action.cameras ?? cameras.map((c) => c.id);
    if (!applies.some((id) => withHands.has(id))) {
      throw new ConfigError(
        at,
        'no camera it applies to runs the hands analyzer (cameras[].analyzers: [{type: hands}])',
      );
    }
  });
}

function zodToConfigError(error: ZodError): ConfigError {
  const { path, message } = firstZodIssue(error, 'unknown setting');
  return new ConfigError(path || 'config', message);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function resolveConfig(config: Config, root: string, origin: string): ResolvedConfig {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(root, p));
  checkAccess(config);
  const cameras = config.cameras.length > 0 ? config.cameras : [sampleCamera(abs(SAMPLE_FOOTAGE))];
  const runtimeDir = abs(config.camerad.runtimeDir);
  const dataDir = abs(config.storage.dataDir);
  const seenIds = new Set<string>();
  const seenPorts = new Map<number, string>();
  const resolved = cameras.map((camera, index): ResolvedCamera => {
    const at = `cameras[${index}]`;
    if (seenIds.has(camera.id)) throw new ConfigError(`${at}.id`, `duplicate camera id "${camera.id}"`);
    seenIds.add(camera.id);
    checkSource(camera.source, `${at}.source`, config.cameras.length === 0);
    const rtpPort = camera.rtpPort ?? config.camerad.rtpBasePort + 2 * index;
    if (rtpPort > 65535) throw new ConfigError(`${at}.rtpPort`, `derived port ${rtpPort} is over 65535`);
    const clash = seenPorts.get(rtpPort);
    if (clash) throw new ConfigError(`${at}.rtpPort`, `port ${rtpPort} is also used by camera "${clash}"`);
    seenPorts.set(rtpPort, camera.id);
    return {
      ...camera,
      name: camera.name ?? camera.id,
      rtpPort,
      socketPath: resolve(runtimeDir, `camerad-${camera.id}.sock`),
    };
  });
  checkGestureActions(config, resolved);
  checkRtspPorts(config, resolved);
  return {
    ...config,
    server: { ...config.server, webRoot: abs(config.server.webRoot) },
    camerad: { ...config.camerad, binary: abs(config.camerad.binary), runtimeDir },
    storage: { dataDir },
    auth: { ...config.auth, jwtSecretFile: abs(config.auth.jwtSecretFile ?? join(dataDir, 'jwt.key')) },
    chain: { ...config.chain, keypairFile: abs(config.chain.keypairFile ?? join(dataDir, 'camera-keypair.json')) },
    biometrics: {
      ...config.biometrics,
      masterKeyFile: abs(config.biometrics.masterKeyFile ?? join(dataDir, 'master.key')),
    },
    webrtc: resolveWebrtc(config.webrtc, abs),
    outputs: { ...config.outputs, rtsp: { ...config.outputs.rtsp, binary: abs(config.outputs.rtsp.binary) } },
    cameras: resolved,
    root,
    origin,
  };
}

/**
 * The access settings that only make sense together (docs/security.md): beyond loopback a
 * viewer token is needed (or an explicit `allowUnauthenticated`), and `publicUrl` as soon as the
 * server is reached from elsewhere or hands out viewer links; tokens are all different.
 */
function checkAccess(config: Config): void {
  const { server } = config;
  const viewerTokens = [...(server.token ? [server.token] : []), ...server.viewerTokens.map((v) => v.token)];
  const beyondLoopback = !LOOPBACK.has(server.host);
  if (beyondLoopback && viewerTokens.length === 0 && !server.allowUnauthenticated) {
    throw new ConfigError(
      'server.token',
      `required when server.host (${server.host}) is not loopback; set ECS_SERVER__TOKEN or server.allowUnauthenticated: true`,
    );
  }
  if ((beyondLoopback || viewerTokens.length > 0) && server.publicUrl === undefined) {
    throw new ConfigError(
      'server.publicUrl',
      `required when ${beyondLoopback ? `server.host (${server.host}) is not loopback` : 'a viewer token is set'}: the address users reach, e.g. https://cam.example.org (ECS_SERVER__PUBLIC_URL)`,
    );
  }
  const names = new Set<string>();
  server.viewerTokens.forEach(({ name }, i) => {
    if (name === 'default' || names.has(name)) {
      throw new ConfigError(`server.viewerTokens[${i}].name`, `"${name}" is taken (default is server.token)`);
    }
    names.add(name);
  });
  if (new Set(viewerTokens).size !== viewerTokens.length) {
    throw new ConfigError('server.viewerTokens', 'two viewer tokens are the same: give each viewer their own');
  }
  if (server.adminToken !== undefined && viewerTokens.includes(server.adminToken)) {
    throw new ConfigError(
      'server.adminToken',
      'must differ from every viewer token (a viewer link must not open admin routes)',
    );
  }
  if (
    server.metricsToken !== undefined &&
    (viewerTokens.includes(server.metricsToken) || server.metricsToken === server.adminToken)
  ) {
    throw new ConfigError('server.metricsToken', 'must differ from the viewer and admin tokens');
  }
}

/**
 * Reads `webrtc.turn.secretFile` into `webrtc.turn.secret` (trailing newline dropped) with the
 * same length rule as an inline secret; the secret itself never appears in a message.
 */
function resolveWebrtc(webrtc: Config['webrtc'], abs: (p: string) => string): Config['webrtc'] {
  const { secretFile, ...turn } = webrtc.turn;
  if (secretFile === undefined) return webrtc;
  let secret: string;
  try {
    secret = readFileSync(abs(secretFile), 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError(
      'webrtc.turn.secretFile',
      `cannot read ${secretFile}: ${(error as NodeJS.ErrnoException).code}`,
    );
  }
  if (secret.length < TURN_SECRET_MIN_LENGTH || secret.length > 256) {
    throw new ConfigError(
      'webrtc.turn.secretFile',
      `${secretFile} must hold ${TURN_SECRET_MIN_LENGTH} to 256 characters (found ${secret.length})`,
    );
  }
  return { ...webrtc, turn: { ...turn, secret } };
}

function sampleCamera(path: string): CameraConfig {
  return configSchema.shape.cameras
    .unwrap()
    .element.parse({ id: 'sample', name: 'Sample footage (Megamind.avi)', source: `file://${path}` });
}

/** Checks what can be checked before camerad starts: scheme, and that files/folders exist. */
function checkSource(source: string, setting: string, isSample: boolean): void {
  const match = /^([a-z0-9]+):\/\/(.*)$/.exec(source);
  if (!match)
    throw new ConfigError(
      setting,
      `"${maskSourceUrl(source)}" is not a URI (expected ${SOURCE_SCHEMES.map((s) => `${s}://`).join(', ')})`,
    );
  const [, scheme, rest] = match as unknown as [string, string, string];
  if (!(SOURCE_SCHEMES as readonly string[]).includes(scheme)) {
    throw new ConfigError(setting, `unknown scheme "${scheme}" (expected ${SOURCE_SCHEMES.join(', ')})`);
  }
  if (scheme === 'file' || scheme === 'dir') {
    if (!rest.startsWith('/'))
      throw new ConfigError(setting, `${scheme}:// needs an absolute path (${scheme}:///abs/path)`);
    const path = decodeURIComponent(rest);
    if (!existsSync(path)) {
      const hint = isSample ? ' (the sample footage is installed by scripts/setup.sh)' : '';
      throw new ConfigError(setting, `${scheme === 'file' ? 'file' : 'folder'} not found: ${path}${hint}`);
    }
    const isDir = statSync(path).isDirectory();
    if (scheme === 'file' && isDir) throw new ConfigError(setting, `${path} is a folder; use dir://${path}`);
    if (scheme === 'dir' && !isDir) throw new ConfigError(setting, `${path} is not a folder`);
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new ConfigError(setting, `${path} is not readable`);
    }
  }
}

/** RTSP out (`outputs.rtsp`): camera i's RTP goes to rtspd on rtpBasePort + i, which no camera's ingest may use. */
function checkRtspPorts(config: Config, cameras: readonly ResolvedCamera[]): void {
  const rtsp = config.outputs.rtsp;
  if (!rtsp.enabled) return;
  const last = rtsp.rtpBasePort + cameras.length - 1;
  if (last > 65535) throw new ConfigError('outputs.rtsp.rtpBasePort', `ports up to ${last} are over 65535`);
  const clash = cameras.find((c) => c.rtpPort >= rtsp.rtpBasePort && c.rtpPort <= last);
  if (clash) {
    throw new ConfigError(
      'outputs.rtsp.rtpBasePort',
      `ports ${rtsp.rtpBasePort}–${last} overlap camera "${clash.id}"'s rtpPort ${clash.rtpPort}`,
    );
  }
}
