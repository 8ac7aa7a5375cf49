/** A model file is missing or differs from its entry in scripts/models.manifest.json. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}
