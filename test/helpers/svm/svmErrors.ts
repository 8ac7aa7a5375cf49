import type { FailedTransactionMetadata } from 'litesvm';

/**
 * Converts litesvm's transaction errors into the JSON the Solana RPC returns (serde of agave's
 * `TransactionError`, e.g. `"AccountNotFound"`, `{"InstructionError":[0,{"Custom":1}]}`,
 * `{"InsufficientFundsForRent":{"account_index":2}}`) and into the text of its `Display`
 * (used in `Transaction simulation failed: <text>`). Test tooling only.
 *
 * litesvm's enums are `const enum`s in its typings and are not exported at run time, so the
 * variant names are written out here in litesvm 0.8's order (`dist/internal.d.ts`).
 */

/** The JSON form of a transaction error as the RPC sends it. */
export type TransactionErrorJson = string | Record<string, unknown>;

const TRANSACTION_ERRORS = [
  'AccountInUse',
  'AccountLoadedTwice',
  'AccountNotFound',
  'ProgramAccountNotFound',
  'InsufficientFundsForFee',
  'InvalidAccountForFee',
  'AlreadyProcessed',
  'BlockhashNotFound',
  'CallChainTooDeep',
  'MissingSignatureForFee',
  'InvalidAccountIndex',
  'SignatureFailure',
  'InvalidProgramForExecution',
  'SanitizeFailure',
  'ClusterMaintenance',
  'AccountBorrowOutstanding',
  'WouldExceedMaxBlockCostLimit',
  'UnsupportedVersion',
  'InvalidWritableAccount',
  'WouldExceedMaxAccountCostLimit',
  'WouldExceedAccountDataBlockLimit',
  'TooManyAccountLocks',
  'AddressLookupTableNotFound',
  'InvalidAddressLookupTableOwner',
  'InvalidAddressLookupTableData',
  'InvalidAddressLookupTableIndex',
  'InvalidRentPayingAccount',
  'WouldExceedMaxVoteCostLimit',
  'WouldExceedAccountDataTotalLimit',
  'MaxLoadedAccountsDataSizeExceeded',
  'ResanitizationNeeded',
  'InvalidLoadedAccountsDataSizeLimit',
  'UnbalancedTransaction',
  'ProgramCacheHitMaxLimit',
  'CommitCancelled',
] as const;

const INSTRUCTION_ERRORS = [
  'GenericError',
  'InvalidArgument',
  'InvalidInstructionData',
  'InvalidAccountData',
  'AccountDataTooSmall',
  'InsufficientFunds',
  'IncorrectProgramId',
  'MissingRequiredSignature',
  'AccountAlreadyInitialized',
  'UninitializedAccount',
  'UnbalancedInstruction',
  'ModifiedProgramId',
  'ExternalAccountLamportSpend',
  'ExternalAccountDataModified',
  'ReadonlyLamportChange',
  'ReadonlyDataModified',
  'DuplicateAccountIndex',
  'ExecutableModified',
  'RentEpochModified',
  'NotEnoughAccountKeys',
  'AccountDataSizeChanged',
  'AccountNotExecutable',
  'AccountBorrowFailed',
  'AccountBorrowOutstanding',
  'DuplicateAccountOutOfSync',
  'InvalidError',
  'ExecutableDataModified',
  'ExecutableLamportChange',
  'ExecutableAccountNotRentExempt',
  'UnsupportedProgramId',
  'CallDepth',
  'MissingAccount',
  'ReentrancyNotAllowed',
  'MaxSeedLengthExceeded',
  'InvalidSeeds',
  'InvalidRealloc',
  'ComputationalBudgetExceeded',
  'PrivilegeEscalation',
  'ProgramEnvironmentSetupFailure',
  'ProgramFailedToComplete',
  'ProgramFailedToCompile',
  'Immutable',
  'IncorrectAuthority',
  'AccountNotRentExempt',
  'InvalidAccountOwner',
  'ArithmeticOverflow',
  'UnsupportedSysvar',
  'IllegalOwner',
  'MaxAccountsDataAllocationsExceeded',
  'MaxAccountsExceeded',
  'MaxInstructionTraceLengthExceeded',
  'BuiltinProgramsMustConsumeComputeUnits',
  'BorshIoError',
] as const;

/** `Display` texts of agave's `TransactionError` for the variants tests meet; others show their name. */
const TRANSACTION_ERROR_TEXT: Record<string, string> = {
  AccountNotFound: 'Attempt to debit an account but found no record of a prior credit.',
  InsufficientFundsForFee: 'Insufficient funds for fee',
  AlreadyProcessed: 'This transaction has already been processed',
  BlockhashNotFound: 'Blockhash not found',
  SignatureFailure: 'Transaction did not pass signature verification',
  MissingSignatureForFee: 'Transaction requires a fee but has no signature present',
  SanitizeFailure: 'Transaction failed to sanitize accounts offsets correctly',
};

/** Errors after which a validator still commits the transaction (fee charged, listed in history). */
const LANDING_ERRORS = new Set([
  'InstructionError',
  'InsufficientFundsForRent',
  'ProgramExecutionTemporarilyRestricted',
]);

/** A litesvm transaction error converted once: its RPC JSON, its display text, whether it lands. */
export interface ConvertedError {
  json: TransactionErrorJson;
  text: string;
  /** True when a validator would commit the failed transaction (its fee charged) rather than drop it. */
  lands: boolean;
}

/** Converts the error of a failed litesvm result (never calls the native `toString`, which can abort). */
export function convertError(failed: FailedTransactionMetadata): ConvertedError {
  const err: unknown = failed.err();
  if (typeof err === 'number') {
    const name = TRANSACTION_ERRORS[err] ?? `TransactionError(${err})`;
    return { json: name, text: TRANSACTION_ERROR_TEXT[name] ?? name, lands: false };
  }
  const object = err as Record<string, unknown> & { constructor: { name: string } };
  const kind = object.constructor.name;
  if (kind === 'TransactionErrorInstructionError') {
    const ix = object as unknown as { index: number; err(): unknown };
    const inner = ix.err();
    let innerJson: TransactionErrorJson;
    let innerText: string;
    if (typeof inner === 'number') {
      innerJson = INSTRUCTION_ERRORS[inner] ?? `InstructionError(${inner})`;
      innerText = innerJson;
    } else if (inner !== null && typeof inner === 'object' && 'code' in inner) {
      const code = (inner as { code: number }).code;
      innerJson = { Custom: code };
      innerText = `custom program error: 0x${code.toString(16)}`;
    } else {
      const msg = (inner as { msg?: string }).msg ?? '';
      innerJson = { BorshIoError: msg };
      innerText = `Failed to serialize or deserialize account data: ${msg}`;
    }
    return {
      json: { InstructionError: [ix.index, innerJson] },
      text: `Error processing Instruction ${ix.index}: ${innerText}`,
      lands: true,
    };
  }
  if (kind === 'TransactionErrorDuplicateInstruction') {
    const index = (object as unknown as { index: number }).index;
    return {
      json: { DuplicateInstruction: index },
      text: `Transaction contains a duplicate instruction (${index}) that is not allowed`,
      lands: false,
    };
  }
  const accountIndex = (object as unknown as { accountIndex: number }).accountIndex;
  const name = kind.replace(/^TransactionError/, '');
  return {
    json: { [name]: { account_index: accountIndex } },
    text:
      name === 'InsufficientFundsForRent'
        ? `Transaction results in an account (${accountIndex}) with insufficient funds for rent`
        : `${name} (account index ${accountIndex})`,
    lands: LANDING_ERRORS.has(name),
  };
}
