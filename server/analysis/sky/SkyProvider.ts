import type { AnalyzerContext, AnalyzerProvider } from '../analyzerTypes.js';
import { SkyAnalyzer } from './SkyAnalyzer.js';
import type { SkyEntry } from './skyConfig.js';

/** The `sky` analyzer type: no model and no thread, so nothing to load or close. */
export class SkyProvider implements AnalyzerProvider<SkyEntry> {
  readonly type = 'sky';
  readonly provider = 'typescript';
  readonly events = [] as const;

  create(entry: SkyEntry, context: AnalyzerContext): SkyAnalyzer {
    return new SkyAnalyzer(entry, context);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
