import type { OverlayItem } from '../../../media/camerad/CameradProtocol.js';
import type { Analyzer, AnalyzerContext, OutputBox, OwnedAnalysisFrame, SkyDetection } from '../analyzerTypes.js';
import type { SkyEntry } from './skyConfig.js';

/** At most this many pixels are sampled per frame (a regular grid over the region). */
const MAX_SAMPLES = 20_000;
/** Pixels darker than this luma (0..255) are not sky (night, a roof edge) and are not counted. */
const MIN_LUMA = 20;
/** Overlay colour of the region outline and its reading. */
const SKY_COLOR = '#40c4ff';

/**
 * The worked example of docs/analyzers.md: the original system's "sky analysis" without a
 * model. Over the configured region of each analysed frame it measures the mean brightness
 * (BT.601 luma), the mean colour and a cloud-cover estimate: the share of sampled pixels whose
 * red/blue ratio is at least `redBlueRatio` (0.6 by default: the fixed threshold of the
 * whole-sky imager of Long et al. 2006, J. Atmos. Oceanic Technol. 23:633–652; clear sky
 * scatters blue, so R/B is low, while cloud is white or grey, R/B near 1). Runs on the main
 * thread: at most 20 000 pixels per frame, well under a millisecond.
 */
export class SkyAnalyzer implements Analyzer {
  readonly type = 'sky';
  readonly #entry: SkyEntry;
  readonly #context: AnalyzerContext;
  #last: SkyReading | null = null;

  constructor(entry: SkyEntry, context: AnalyzerContext) {
    this.#entry = entry;
    this.#context = context;
  }

  /** One reading of the region of `frame` (never throws for a well-formed frame). */
  analyze(frame: OwnedAnalysisFrame): Promise<SkyDetection[]> {
    const reading = measureSky(frame, this.#entry.region, this.#entry.redBlueRatio);
    this.#last = reading;
    const { width, height } = this.#context.output;
    const [fx, fy, fw, fh] = this.#entry.region;
    const box: OutputBox = [
      Math.round(fx * width),
      Math.round(fy * height),
      Math.max(1, Math.round(fw * width)),
      Math.max(1, Math.round(fh * height)),
    ];
    const detection: SkyDetection = { kind: 'sky', box, score: 1, ...reading };
    if (this.#entry.overlay) this.#context.overlays(skyOverlay(detection, height, this.#entry.fps));
    return Promise.resolve([detection]);
  }

  reset(): void {
    this.#last = null;
    this.#context.overlays([]);
  }

  /** The last reading (brightness 0..255, colour, cloud cover 0..1), or `{}` before the first. */
  summary(): Record<string, unknown> {
    return this.#last ? { ...this.#last } : {};
  }
}

/** What {@link measureSky} finds: mean luma 0..255, mean colour `#rrggbb`, cloud share 0..1. */
export interface SkyReading {
  brightness: number;
  color: string;
  cloudCover: number;
}

/**
 * Measures `region` (`[x, y, width, height]`, fractions of the picture) of a packed RGB image.
 * Pixels darker than luma 20 count towards brightness and colour but not towards cloud cover,
 * which is 0 when no pixel is bright enough.
 */
export function measureSky(
  image: { width: number; height: number; stride: number; data: Uint8Array },
  region: readonly [number, number, number, number],
  redBlueRatio: number,
): SkyReading {
  const x0 = Math.floor(region[0] * image.width);
  const y0 = Math.floor(region[1] * image.height);
  const x1 = Math.max(x0 + 1, Math.min(image.width, Math.round((region[0] + region[2]) * image.width)));
  const y1 = Math.max(y0 + 1, Math.min(image.height, Math.round((region[1] + region[3]) * image.height)));
  const step = Math.max(1, Math.ceil(Math.sqrt(((x1 - x0) * (y1 - y0)) / MAX_SAMPLES)));
  let n = 0;
  let r = 0;
  let g = 0;
  let b = 0;
  let lit = 0;
  let cloud = 0;
  for (let y = y0; y < y1; y += step) {
    let i = y * image.stride + x0 * 3;
    for (let x = x0; x < x1; x += step, i += 3 * step) {
      const pr = image.data[i]!;
      const pg = image.data[i + 1]!;
      const pb = image.data[i + 2]!;
      r += pr;
      g += pg;
      b += pb;
      n += 1;
      if (0.299 * pr + 0.587 * pg + 0.114 * pb < MIN_LUMA) continue;
      lit += 1;
      if (pr >= redBlueRatio * pb) cloud += 1;
    }
  }
  const mr = r / n;
  const mg = g / n;
  const mb = b / n;
  const hex = (v: number): string => Math.round(v).toString(16).padStart(2, '0');
  return {
    brightness: Math.round((0.299 * mr + 0.587 * mg + 0.114 * mb) * 10) / 10,
    color: `#${hex(mr)}${hex(mg)}${hex(mb)}`,
    cloudCover: lit === 0 ? 0 : Math.round((cloud / lit) * 1000) / 1000,
  };
}

/** The region's outline and, at its corner, its reading (a keypoints label: not identity, drawn under `boxes`). */
function skyOverlay(sky: SkyDetection, outputHeight: number, fps: number): OverlayItem[] {
  const ttl = Math.min(600_000, Math.round(2500 / fps));
  const thickness = Math.max(2, 2 * Math.round(outputHeight / 720));
  const corner: [number, number] = [sky.box[0] + thickness * 4, sky.box[1] + thickness * 4];
  return [
    { box: sky.box, color: SKY_COLOR, ttl_ms: ttl, thickness },
    {
      kind: 'keypoints',
      points: [corner],
      radius: thickness,
      color: SKY_COLOR,
      ttl_ms: ttl,
      label: `sky ${Math.round(sky.cloudCover * 100)}% cloud`,
    },
  ];
}
