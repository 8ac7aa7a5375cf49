import type { FaceService } from '../../vision/FaceService.js';
import type { AnalyzerContext, AnalyzerProvider } from '../analyzerTypes.js';
import { FacesAnalyzer } from './FacesAnalyzer.js';
import type { FacesEntry } from './facesEntryConfig.js';

/**
 * The `faces` analyzer type over the server's {@link FaceService} (its models run on the vision
 * inference thread, shared with enrolment and uploads). An entry without `fps` runs at
 * `faces.analysisFps`, so configurations written before analyzers existed keep their rate.
 */
export class FacesProvider implements AnalyzerProvider<FacesEntry> {
  readonly type = 'faces';
  readonly provider: string;
  readonly events = ['face:detected', 'face:recognized', 'face:lost'] as const;
  readonly #faces: FaceService;
  readonly #defaultFps: number;

  /**
   * @param defaultFps `faces.analysisFps`, frames/s.
   * @param provider the execution providers of the face models, e.g. `onnxruntime:cpu`.
   */
  constructor(faces: FaceService, defaultFps: number, provider: string) {
    this.#faces = faces;
    this.#defaultFps = defaultFps;
    this.provider = provider;
  }

  fpsOf(entry: FacesEntry): number {
    return entry.fps ?? this.#defaultFps;
  }

  create(_entry: FacesEntry, context: AnalyzerContext): FacesAnalyzer {
    return new FacesAnalyzer(this.#faces, context.cameraId);
  }

  /** The face service is closed by its owner (server/wiring/createFaces.ts). */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
