import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ModelFileError } from './ModelFileError.js';

/** The manifest of the models scripts/install-models.sh installs into models/, relative to the project root. */
export const MODEL_MANIFEST = 'scripts/models.manifest.json';

/** The part of one `files` entry of the model manifest that is checked here (`file` is under models/). */
interface ManifestFile {
  file: string;
  sha256: string;
  package: string;
}

/**
 * Resolves a configured model path (relative to `root` unless absolute) and, when it is a file
 * listed in scripts/models.manifest.json, checks its SHA-256 against the manifest (about 20 ms for the
 * 7 MB of faceplugin models), so that a missing or altered model is a clear start-up error
 * rather than a wrong answer. Files outside the manifest (a user's own SCRFD or ArcFace) are
 * only resolved: their provenance is the user's.
 * @returns the absolute path.
 * @throws ModelFileError naming the file and the script that installs it.
 */
export async function resolveModelFile(root: string, path: string): Promise<string> {
  const absolute = isAbsolute(path) ? path : join(root, path);
  const manifest = JSON.parse(await readFile(join(root, MODEL_MANIFEST), 'utf8')) as { files: ManifestFile[] };
  const inModels = relative(join(root, 'models'), absolute).split(sep).join('/');
  const entry = manifest.files.find((f) => f.file === inModels);
  if (!entry) return absolute;
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    throw new ModelFileError(
      `model ${path} (${entry.package}) is missing: run scripts/install-models.sh (${(error as Error).message})`,
    );
  }
  const sum = createHash('sha256').update(bytes).digest('hex');
  if (sum !== entry.sha256) {
    throw new ModelFileError(
      `model ${path} does not match ${MODEL_MANIFEST} (sha256 ${sum}, expected ${entry.sha256}): ` +
        'run scripts/install-models.sh',
    );
  }
  return absolute;
}
