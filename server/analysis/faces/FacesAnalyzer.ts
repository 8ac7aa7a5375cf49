import type { FaceService } from '../../vision/FaceService.js';
import type { Analyzer, FaceDetection, OwnedAnalysisFrame } from '../analyzerTypes.js';

/**
 * The `faces` analyzer of one camera: the face pipeline of {@link FaceService} (detection,
 * tracking, recognition against the camera's gallery of checked-in users, `face:*` events and the
 * `faces` overlay layer, whose names obey the check-in consent). Its detections carry the
 * wallet for the server's own use (hand and person association); routes filter identity per
 * caller as before.
 */
export class FacesAnalyzer implements Analyzer {
  readonly type = 'faces';
  readonly #faces: FaceService;
  readonly #cameraId: string;

  constructor(faces: FaceService, cameraId: string) {
    this.#faces = faces;
    this.#cameraId = cameraId;
  }

  analyze(frame: OwnedAnalysisFrame): Promise<FaceDetection[]> {
    return this.#faces.analyzeFrame(this.#cameraId, frame);
  }

  reset(atMs: number): void {
    this.#faces.resetCamera(this.#cameraId, atMs);
  }
}
