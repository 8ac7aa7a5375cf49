import type { TransactionErrorJson } from './svmErrors.js';

/** A transaction that litesvm refused or failed; `err` is the RPC's JSON form, `logs` the program logs. */
export class SvmTransactionError extends Error {
  override name = 'SvmTransactionError';
  constructor(
    readonly signature: string,
    readonly err: TransactionErrorJson,
    readonly logs: string[],
    text: string,
  ) {
    super(`transaction ${signature} failed: ${text}${logs.length > 0 ? `\n${logs.join('\n')}` : ''}`);
  }
}
