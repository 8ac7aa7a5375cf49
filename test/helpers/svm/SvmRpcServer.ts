import { setFlagsFromString } from 'node:v8';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  VersionedMessage,
  VersionedTransaction,
} from '@solana/web3.js';
import bs58 from 'bs58';
import { LiteSVM } from 'litesvm';
import type { Logger } from 'pino';
import { MEMO_PROGRAM_ID } from '../../../server/chain/programIds.js';
import { testLogger } from '../logger.js';
import { RpcError } from './RpcError.js';
import { SvmTransactionError } from './SvmTransactionError.js';
import { convertError, type TransactionErrorJson } from './svmErrors.js';

/*
 * litesvm 0.8's linux-x64 addon leaves the x87 FPU register stack full after running an SBF
 * program through its JIT (seen with gdb: tag word 0x0156 after the first Memo execution).
 * libstdc++'s hash tables compute with `long double`, so V8's pretenuring pass (which rehashes
 * one) then gets NaN sizes and aborts the process with `std::bad_alloc` a few transactions
 * later (LiteSVM/litesvm#171, PR #352). Turning that pass off (a GC heuristic only) avoids the
 * abort; 3000 Memo transactions in a row ran clean with it.
 *
 * The full x87 stack has a second effect on the whole thread: JavaScript's `%` on numbers that
 * are not small integers calls glibc's fmod, which uses the x87 unit on x86-64 and then answers
 * NaN (`4294967295 % 7` is NaN after one Memo transaction here). `crypto.randomInt` computes its
 * rejection bound that way and then loops forever, so code that tests run in-process beside this
 * front must not use randomInt (media/rtp/RtpIngest.ts draws from randomBytes). Running litesvm
 * on its own thread would isolate its FPU state; that is left for later.
 */
setFlagsFromString('--no-allocation-site-pretenuring');

/** Memo program v1, whose memos the RPC also reports in `memo` (agave `extract_memos.rs`). */
const MEMO_V1_PROGRAM_ID = 'Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo';

/** Fee per signature in lamports (litesvm's default fee structure, as mainnet). */
const LAMPORTS_PER_SIGNATURE = 5000;

/** How many blocks a blockhash is reported valid for (`MAX_PROCESSING_AGE`). */
const BLOCKHASH_VALIDITY_BLOCKS = 150;

/** Largest request body accepted, in bytes. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Largest and default `limit` of getSignaturesForAddress (agave `MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT`). */
const MAX_SIGNATURES_LIMIT = 1000;

type RequestHook = (method: string, params: unknown[]) => void | Promise<void>;

/** A transaction the SVM committed (successful, or failed with its fee charged). */
interface LandedTransaction {
  signature: string;
  slot: number;
  /** Unix time in seconds. */
  blockTime: number;
  err: TransactionErrorJson | null;
  tx: VersionedTransaction;
  preBalances: number[];
  postBalances: number[];
  logs: string[];
  computeUnits: number;
  fee: number;
  memo: string | null;
}

/**
 * A Solana JSON-RPC 2.0 front over HTTP on 127.0.0.1 in front of an in-process `litesvm`, so that
 * production code using `new Connection(url)` from @solana/web3.js 1.x runs against the real SVM.
 * Test tooling only. Response shapes follow the superstruct schemas of web3.js 1.99 and the
 * Solana RPC docs (https://solana.com/docs/rpc/http).
 *
 * Ledger model: every committed transaction gets its own slot (the SVM's clock is warped to it
 * and its unix timestamp set to the wall clock, so `blockTime` is real seconds); block height
 * equals the slot. Everything committed is reported `finalized` (no forks). The blockhash handed
 * out is litesvm's latest one and stays valid until a test calls `svm.expireBlockhash()`;
 * `lastValidBlockHeight` is reported as height + 150 regardless. Transactions with address
 * lookup tables are executed but their loaded addresses are not indexed or reported.
 */
export class SvmRpcServer {
  /** Counts of requests by method name (websocket upgrade attempts under `(websocket)`). */
  readonly calls = new Map<string, number>();
  private readonly ledger = new Map<string, LandedTransaction>();
  /** Address (base58) → signatures that mention it, in landing order (oldest first). */
  private readonly byAddress = new Map<string, string[]>();
  private slot: number;
  private hook: RequestHook | undefined;
  private closed = false;
  private readonly genesisHash: string;

  private constructor(
    readonly svm: LiteSVM,
    private readonly server: Server,
    readonly url: string,
    private readonly logger: Logger,
  ) {
    this.slot = Number(svm.getClock().slot);
    this.genesisHash = svm.latestBlockhash();
  }

  /** Starts a server on 127.0.0.1 with an ephemeral port; `svm` defaults to a new `LiteSVM()`. */
  static async start(opts: { svm?: LiteSVM; logger?: Logger } = {}): Promise<SvmRpcServer> {
    const svm = opts.svm ?? new LiteSVM();
    const logger = (opts.logger ?? testLogger).child({ name: 'SvmRpcServer' });
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const rpc = new SvmRpcServer(svm, server, `http://127.0.0.1:${port}`, logger);
    server.on('request', (req, res) => void rpc.handleHttp(req, res));
    // No subscriptions are served: a websocket upgrade is counted under '(websocket)' and refused.
    server.on('upgrade', (_req, socket: Duplex) => {
      rpc.calls.set('(websocket)', (rpc.calls.get('(websocket)') ?? 0) + 1);
      socket.destroy();
    });
    logger.debug({ url: rpc.url }, 'listening');
    return rpc;
  }

  /**
   * One JSON-RPC call over HTTP to this front, as a client would make it (for tests that check
   * the chain without a web3.js Connection).
   * @returns the `result` member.
   * @throws Error with the JSON-RPC error message when the call fails.
   */
  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const answer = (await res.json()) as { result?: T; error?: { message: string } };
    if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
    return answer.result as T;
  }

  /**
   * Credits `lamports` to `pubkey` without a transaction (like genesis funding: no history, no
   * slot); repeatable (litesvm's own airdrop refuses a second identical one as AlreadyProcessed).
   */
  airdrop(pubkey: PublicKey, lamports: number): void {
    if (!Number.isSafeInteger(lamports) || lamports <= 0) throw new TypeError('lamports must be a positive integer');
    const account = this.svm.getAccount(pubkey);
    if (account === null) {
      this.svm.setAccount(pubkey, {
        lamports,
        data: new Uint8Array(0),
        owner: SystemProgram.programId,
        executable: false,
        rentEpoch: 0,
      });
    } else {
      this.svm.setAccount(pubkey, { ...account, lamports: account.lamports + lamports });
    }
  }

  /** Sets (or clears, with `undefined`) the hook awaited before answering each request. */
  onRequest(hook: RequestHook | undefined): void {
    this.hook = hook;
  }

  /**
   * Submits a transaction directly (same bookkeeping as sendTransaction with preflight skipped).
   * @returns the base58 signature
   * @throws SvmTransactionError (with the logs) when it fails: nothing is recorded or charged.
   *   With `recordFailure`, a failure a validator commits (an instruction error) is recorded with
   *   its err and its fee charged instead; failures no validator commits (bad signature, unknown
   *   blockhash, duplicate) always throw.
   */
  submit(tx: Transaction | VersionedTransaction, opts: { recordFailure?: boolean } = {}): string {
    const wire =
      tx instanceof Transaction
        ? tx.serialize({ requireAllSignatures: false, verifySignatures: false })
        : tx.serialize();
    const versioned = VersionedTransaction.deserialize(wire);
    if (opts.recordFailure !== true) {
      // Simulated first, so that a failure throws without charging the fee.
      const simulated = this.svm.simulateTransaction(versioned);
      if ('err' in simulated) {
        const converted = convertError(simulated);
        const signature = bs58.encode(versioned.signatures[0] ?? new Uint8Array(64));
        throw new SvmTransactionError(signature, converted.json, simulated.meta().logs(), converted.text);
      }
    }
    const { signature, failure } = this.land(versioned, true);
    if (failure !== undefined) throw failure;
    return signature;
  }

  /** Stops listening and drops open connections; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hook = undefined;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.logger.debug('closed');
  }

  // --- ledger ---------------------------------------------------------------------------------

  /**
   * Executes `tx` in its own slot. A failure that lands is recorded when `recordFailure`;
   * otherwise (or when it cannot land) it is returned as `failure` and nothing is recorded.
   */
  private land(tx: VersionedTransaction, recordFailure: boolean): { signature: string; failure?: SvmTransactionError } {
    const signature = bs58.encode(tx.signatures[0] ?? new Uint8Array(64));
    const keys = tx.message.staticAccountKeys;
    this.advanceSlot();
    const preBalances = keys.map((key) => this.balanceOf(key));
    const result = this.svm.sendTransaction(tx);
    let err: TransactionErrorJson | null = null;
    if ('err' in result) {
      const converted = convertError(result);
      if (!converted.lands || !recordFailure) {
        const logs = result.meta().logs();
        return { signature, failure: new SvmTransactionError(signature, converted.json, logs, converted.text) };
      }
      err = converted.json;
    }
    const txMeta = 'err' in result ? result.meta() : result;
    const landed: LandedTransaction = {
      signature,
      slot: this.slot,
      blockTime: Number(this.svm.getClock().unixTimestamp),
      err,
      tx,
      preBalances,
      postBalances: keys.map((key) => this.balanceOf(key)),
      logs: txMeta.logs(),
      computeUnits: Number(txMeta.computeUnitsConsumed()),
      fee: LAMPORTS_PER_SIGNATURE * tx.message.header.numRequiredSignatures,
      memo: extractMemo(tx),
    };
    this.ledger.set(signature, landed);
    for (const key of new Set(keys.map((k) => k.toBase58()))) {
      let list = this.byAddress.get(key);
      if (list === undefined) this.byAddress.set(key, (list = []));
      list.push(signature);
    }
    this.logger.debug({ signature, slot: landed.slot, err }, 'landed');
    return { signature };
  }

  private advanceSlot(): void {
    this.slot += 1;
    this.svm.warpToSlot(BigInt(this.slot));
    const clock = this.svm.getClock();
    clock.unixTimestamp = BigInt(Math.floor(Date.now() / 1000));
    this.svm.setClock(clock);
  }

  private balanceOf(key: PublicKey): number {
    return Number(this.svm.getBalance(key) ?? 0n);
  }

  // --- HTTP / JSON-RPC ------------------------------------------------------------------------

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: unknown;
    try {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      const body = await readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        reply = errorReply(null, new RpcError(-32700, 'Parse error'));
      }
      if (reply === undefined) {
        reply = Array.isArray(parsed)
          ? await Promise.all(parsed.map((one) => this.handleOne(one)))
          : await this.handleOne(parsed);
      }
    } catch (error) {
      reply = errorReply(null, new RpcError(-32603, (error as Error).message));
    }
    if (this.closed) {
      res.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
  }

  private async handleOne(request: unknown): Promise<unknown> {
    const { id = null, method, params = [] } = (request ?? {}) as { id?: unknown; method?: unknown; params?: unknown };
    if (typeof method !== 'string' || !Array.isArray(params)) {
      return errorReply(id, new RpcError(-32600, 'Invalid request'));
    }
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    try {
      if (this.hook !== undefined) await this.hook(method, params);
      const result = this.dispatch(method, params);
      return { jsonrpc: '2.0', id, result };
    } catch (error) {
      if (error instanceof RpcError) return errorReply(id, error);
      this.logger.warn({ err: error, method }, 'request failed');
      return errorReply(id, new RpcError(-32603, `Internal error: ${(error as Error).message}`));
    }
  }

  private dispatch(method: string, params: unknown[]): unknown {
    const context = { slot: this.slot };
    switch (method) {
      case 'getLatestBlockhash':
        return {
          context,
          value: { blockhash: this.svm.latestBlockhash(), lastValidBlockHeight: this.slot + BLOCKHASH_VALIDITY_BLOCKS },
        };
      case 'isBlockhashValid':
        return { context, value: stringParam(params, 0, 'blockhash') === this.svm.latestBlockhash() };
      case 'sendTransaction':
        return this.sendTransaction(params);
      case 'getSignatureStatuses':
        return { context, value: this.signatureStatuses(params) };
      case 'getSignaturesForAddress':
        return this.signaturesForAddress(params);
      case 'getTransaction':
        return this.transaction(params);
      case 'getAccountInfo':
        return { context, value: this.accountInfo(pubkeyParam(params, 0), config(params, 1)) };
      case 'getMultipleAccounts': {
        const keys = params[0];
        if (!Array.isArray(keys)) throw new RpcError(-32602, 'Invalid params: expected an array of pubkeys');
        const opts = config(params, 1);
        return { context, value: keys.map((_, i) => this.accountInfo(pubkeyParam(keys, i), opts)) };
      }
      case 'getBalance':
        return { context, value: this.balanceOf(pubkeyParam(params, 0)) };
      case 'requestAirdrop':
        return this.requestAirdrop(pubkeyParam(params, 0), numberParam(params, 1, 'lamports'));
      case 'getMinimumBalanceForRentExemption':
        return Number(this.svm.minimumBalanceForRentExemption(BigInt(numberParam(params, 0, 'dataLength'))));
      case 'getSlot':
      case 'getBlockHeight':
        return this.slot;
      case 'getVersion':
        return { 'solana-core': '2.2.0', 'feature-set': 0 };
      case 'getGenesisHash':
        return this.genesisHash;
      case 'getFeeForMessage': {
        const message = VersionedMessage.deserialize(Buffer.from(stringParam(params, 0, 'message'), 'base64'));
        const known = message.recentBlockhash === this.svm.latestBlockhash();
        return { context, value: known ? LAMPORTS_PER_SIGNATURE * message.header.numRequiredSignatures : null };
      }
      default:
        throw new RpcError(-32601, 'Method not found');
    }
  }

  /** `sendTransaction [wire, {encoding, skipPreflight}]`, preflight as agave's `rpc.rs` send_transaction. */
  private sendTransaction(params: unknown[]): string {
    const encoded = stringParam(params, 0, 'transaction');
    const opts = config(params, 1);
    const encoding = opts.encoding ?? 'base58';
    let tx: VersionedTransaction;
    try {
      const bytes = encoding === 'base64' ? Buffer.from(encoded, 'base64') : bs58.decode(encoded);
      tx = VersionedTransaction.deserialize(bytes);
    } catch (error) {
      throw new RpcError(-32602, `invalid transaction: failed to deserialize: ${(error as Error).message}`);
    }
    const signature = bs58.encode(tx.signatures[0] ?? new Uint8Array(64));
    if (opts.skipPreflight !== true) {
      if (this.ledger.has(signature)) {
        throw new RpcError(-32002, 'Transaction simulation failed: This transaction has already been processed', {
          err: 'AlreadyProcessed',
          logs: [],
          accounts: null,
          unitsConsumed: 0,
          returnData: null,
        });
      }
      const simulated = this.svm.simulateTransaction(tx);
      if ('err' in simulated) {
        const converted = convertError(simulated);
        if (converted.json === 'SignatureFailure') {
          throw new RpcError(-32003, 'Transaction signature verification failure');
        }
        const meta = simulated.meta();
        throw new RpcError(-32002, `Transaction simulation failed: ${converted.text}`, {
          err: converted.json,
          logs: meta.logs(),
          accounts: null,
          unitsConsumed: Number(meta.computeUnitsConsumed()),
          returnData: null,
          innerInstructions: null,
        });
      }
    }
    const { failure } = this.land(tx, true);
    // A validator answers with the signature even when the leader then drops the transaction.
    if (failure !== undefined) this.logger.debug({ signature, err: failure.err }, 'dropped');
    return signature;
  }

  private signatureStatuses(params: unknown[]): unknown[] {
    const signatures = params[0];
    if (!Array.isArray(signatures)) throw new RpcError(-32602, 'Invalid params: expected an array of signatures');
    if (signatures.length > 256) throw new RpcError(-32602, 'Too many inputs provided; max 256');
    return signatures.map((signature) => {
      const landed = this.ledger.get(String(signature));
      if (landed === undefined) return null;
      return {
        slot: landed.slot,
        confirmations: null,
        err: landed.err,
        status: landed.err === null ? { Ok: null } : { Err: landed.err },
        confirmationStatus: 'finalized',
      };
    });
  }

  /** Newest first; `before` and `until` exclusive; an unknown `before` gives [], an unknown `until` no bound (agave blockstore). */
  private signaturesForAddress(params: unknown[]): unknown[] {
    const address = pubkeyParam(params, 0).toBase58();
    const opts = config(params, 1);
    const limit = opts.limit ?? MAX_SIGNATURES_LIMIT;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_SIGNATURES_LIMIT) {
      throw new RpcError(-32602, 'Invalid limit; max 1000');
    }
    // Bounds by slot, as agave's blockstore: `before` and `until` may name any transaction.
    let beforeSlot = Infinity;
    if (opts.before !== undefined && opts.before !== null) {
      const before = this.ledger.get(String(opts.before));
      if (before === undefined) return [];
      beforeSlot = before.slot;
    }
    const untilSlot =
      opts.until === undefined || opts.until === null ? -1 : (this.ledger.get(String(opts.until))?.slot ?? -1);
    const list = this.byAddress.get(address) ?? [];
    const out: unknown[] = [];
    for (let i = list.length - 1; i >= 0 && out.length < limit; i -= 1) {
      const landed = this.ledger.get(list[i] as string) as LandedTransaction;
      if (landed.slot >= beforeSlot) continue;
      if (landed.slot <= untilSlot) break;
      out.push({
        signature: landed.signature,
        slot: landed.slot,
        err: landed.err,
        memo: landed.memo,
        blockTime: landed.blockTime,
        confirmationStatus: 'finalized',
      });
    }
    return out;
  }

  private transaction(params: unknown[]): unknown {
    const signature = stringParam(params, 0, 'signature');
    const opts = config(params, 1);
    const encoding = opts.encoding ?? 'json';
    if (encoding !== 'json')
      throw new RpcError(-32602, `Invalid params: encoding ${encoding} not supported by this test RPC`);
    const landed = this.ledger.get(signature);
    if (landed === undefined) return null;
    const { tx } = landed;
    const version = tx.version;
    const maxVersion = opts.maxSupportedTransactionVersion;
    if (version !== 'legacy' && (maxVersion === undefined || Number(maxVersion) < version)) {
      throw new RpcError(
        -32015,
        `Transaction version (${version}) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": ${version}`,
      );
    }
    const message = tx.message;
    const jsonMessage: Record<string, unknown> = {
      header: message.header,
      accountKeys: message.staticAccountKeys.map((key) => key.toBase58()),
      recentBlockhash: message.recentBlockhash,
      instructions: message.compiledInstructions.map((ix) => ({
        programIdIndex: ix.programIdIndex,
        accounts: ix.accountKeyIndexes,
        data: bs58.encode(ix.data),
        stackHeight: null,
      })),
    };
    if (version !== 'legacy') jsonMessage.addressTableLookups = message.addressTableLookups;
    const meta: Record<string, unknown> = {
      err: landed.err,
      status: landed.err === null ? { Ok: null } : { Err: landed.err },
      fee: landed.fee,
      preBalances: landed.preBalances,
      postBalances: landed.postBalances,
      innerInstructions: [],
      logMessages: landed.logs,
      preTokenBalances: [],
      postTokenBalances: [],
      rewards: [],
      computeUnitsConsumed: landed.computeUnits,
    };
    if (version !== 'legacy') meta.loadedAddresses = { writable: [], readonly: [] };
    const result: Record<string, unknown> = {
      slot: landed.slot,
      blockTime: landed.blockTime,
      meta,
      transaction: { signatures: tx.signatures.map((s) => bs58.encode(s)), message: jsonMessage },
    };
    if (maxVersion !== undefined) result.version = version;
    return result;
  }

  private accountInfo(key: PublicKey, opts: Config): unknown {
    const encoding = opts.encoding ?? 'base58';
    if (encoding !== 'base64' && encoding !== 'base58') {
      throw new RpcError(-32602, `Invalid params: encoding ${encoding} not supported by this test RPC`);
    }
    const account = this.svm.getAccount(key);
    if (account === null || (account.lamports === 0 && account.data.length === 0)) return null;
    let data = Buffer.from(account.data);
    const slice = opts.dataSlice as { offset?: number; length?: number } | undefined;
    if (slice !== undefined) data = data.subarray(slice.offset ?? 0, (slice.offset ?? 0) + (slice.length ?? 0));
    return {
      data: encoding === 'base64' ? [data.toString('base64'), 'base64'] : [bs58.encode(data), 'base58'],
      executable: account.executable,
      lamports: account.lamports,
      owner: account.owner.toBase58(),
      rentEpoch: account.rentEpoch,
      space: account.data.length,
    };
  }

  /** A faucet transfer from a fresh keypair, so the airdrop is a real, listed transaction. */
  private requestAirdrop(to: PublicKey, lamports: number): string {
    const faucet = Keypair.generate();
    this.airdrop(faucet.publicKey, lamports + LAMPORTS_PER_SIGNATURE);
    const tx = new Transaction({ feePayer: faucet.publicKey, recentBlockhash: this.svm.latestBlockhash() });
    tx.add(SystemProgram.transfer({ fromPubkey: faucet.publicKey, toPubkey: to, lamports }));
    tx.sign(faucet);
    const { signature, failure } = this.land(VersionedTransaction.deserialize(tx.serialize()), false);
    if (failure !== undefined) throw new RpcError(-32603, `airdrop failed: ${failure.message}`);
    return signature;
  }
}

type Config = Record<string, unknown> & { encoding?: string };

function config(params: unknown[], index: number): Config {
  const value = params[index];
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') return { commitment: value };
  if (typeof value !== 'object') throw new RpcError(-32602, `Invalid params: config at ${index} is not an object`);
  return value as Config;
}

function stringParam(params: unknown[], index: number, name: string): string {
  const value = params[index];
  if (typeof value !== 'string') throw new RpcError(-32602, `Invalid params: ${name} must be a string`);
  return value;
}

function numberParam(params: unknown[], index: number, name: string): number {
  const value = params[index];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RpcError(-32602, `Invalid params: ${name} must be a non-negative integer`);
  }
  return value;
}

function pubkeyParam(params: unknown[], index: number): PublicKey {
  const value = stringParam(params, index, 'pubkey');
  try {
    return new PublicKey(value);
  } catch {
    throw new RpcError(-32602, 'Invalid param: Invalid');
  }
}

function errorReply(id: unknown, error: RpcError): unknown {
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.data !== undefined) body.data = error.data;
  return { jsonrpc: '2.0', id, error: body };
}

/** The RPC's `memo` field: `"[<len>] <text>"` per top-level memo instruction, joined by "; " (agave `extract_memos.rs`). */
function extractMemo(tx: VersionedTransaction): string | null {
  const keys = tx.message.staticAccountKeys;
  const memos: string[] = [];
  for (const ix of tx.message.compiledInstructions) {
    const program = keys[ix.programIdIndex]?.toBase58();
    if (program !== MEMO_PROGRAM_ID.toBase58() && program !== MEMO_V1_PROGRAM_ID) continue;
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(ix.data);
    } catch {
      text = '(unparseable)';
    }
    memos.push(`[${ix.data.length}] ${text}`);
  }
  return memos.length > 0 ? memos.join('; ') : null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
