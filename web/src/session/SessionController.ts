import type { PublicKey } from '@solana/web3.js';
import { signChallenge, signTransaction } from '../wallet/walletSigning';
import { WalletDirectory, type WalletEntry } from '../wallet/WalletDirectory';
import { errorText } from './format';
import { SessionApiError } from './SessionApiError';
import { SessionClient } from './SessionClient';
import { SessionEvents, type SessionEventRecord } from './SessionEvents';
import { SessionTokens } from './SessionTokens';
import type {
  BuiltTransaction,
  SessionConfig,
  SessionConsent,
  SessionView,
  SubmitAnswer,
  TokenAnswer,
} from './SessionTypes';

/** Events kept for `events` (the newest last). */
const EVENT_HISTORY = 50;

/** What the controller is doing, null when idle. */
export type SessionBusy =
  'config' | 'restore' | 'connect' | 'signin' | 'checkin' | 'checkout' | 'reload' | 'signout' | null;

/** Shape of `window.__session`, the hook for automated tests (see web/README.md). */
export interface SessionHandle {
  /** The session as last answered by the server (kept, with `endedAt` set, after it ended). */
  readonly session: SessionView | null;
  /** The last socket.io session event received. */
  readonly lastEvent: SessionEventRecord | null;
  /** The last `EVENT_HISTORY` events received, oldest first. */
  readonly events: readonly SessionEventRecord[];
  /** base58 address of the connected wallet account. */
  readonly wallet: string | null;
  /** Name of the connected wallet. */
  readonly walletName: string | null;
  /** Names of the wallets found. */
  readonly wallets: readonly string[];
  /** `GET /api/session/config` answer (null until loaded, or when it failed). */
  readonly config: SessionConfig | null;
  /** True while the page holds a valid session token. */
  readonly signedIn: boolean;
  /** The last check-in/check-out submit answer. */
  readonly lastSubmit: SubmitAnswer | null;
  /** Why the last action failed (null after a success). */
  readonly error: string | null;
  readonly busy: SessionBusy;
  /** True while the socket.io connection is up. */
  readonly eventsConnected: boolean;
}

/**
 * The page's wallet session: wallet discovery and connection, Sign-In With Solana, session
 * tokens (renewed before expiry, restored on reload), check-in and check-out transactions signed
 * by the wallet, and live session events. Every action resolves (never rejects): its error ends
 * up in `error`. Listeners registered with `onChange` are called after each state change.
 *
 * Flow (server API in `SessionClient`):
 * 1. connect a wallet → its address;
 * 2. sign in: challenge → wallet signs (signIn or signMessage) → session token;
 * 3. check in: server builds the transaction → wallet signs → server submits and confirms;
 * 4. check out: the same with the check-out transaction.
 */
export class SessionController implements SessionHandle {
  readonly directory = new WalletDirectory();
  session: SessionView | null = null;
  lastEvent: SessionEventRecord | null = null;
  readonly events: SessionEventRecord[] = [];
  config: SessionConfig | null = null;
  lastSubmit: SubmitAnswer | null = null;
  error: string | null = null;
  busy: SessionBusy = null;
  eventsConnected = false;
  /** Why the session API or the chain is unavailable (shown instead of the controls). */
  unavailable: string | null = null;
  /** Why the live events are down (null when connected or not wanted). */
  eventsError: string | null = null;
  readonly #client: SessionClient;
  readonly #tokens: SessionTokens;
  readonly #socket: SessionEvents;
  readonly #listeners = new Set<() => void>();
  #entry: WalletEntry | null = null;
  #address: string | null = null;

  constructor() {
    this.#client = new SessionClient(() => this.#tokens.token);
    this.#tokens = new SessionTokens((refreshToken) => this.#client.refresh(refreshToken), {
      renewed: (answer) => this.#renewed(answer),
      lost: (reason) => {
        this.#socket.close();
        this.error = reason;
        this.#emit();
      },
    });
    this.#socket = new SessionEvents({
      event: (record) => this.#onEvent(record),
      connection: (connected, error) => {
        this.eventsConnected = connected;
        this.eventsError = error;
        this.#emit();
      },
    });
  }

  get wallet(): string | null {
    return this.#address;
  }

  get walletName(): string | null {
    return this.#entry?.name ?? null;
  }

  get wallets(): readonly string[] {
    return this.directory.entries.map((e) => e.name);
  }

  get signedIn(): boolean {
    return this.#tokens.token !== null;
  }

  /** A plain copy of the `SessionHandle` fields (the getters too), for `JSON.stringify` of the hook. */
  toJSON(): SessionHandle {
    return {
      session: this.session,
      lastEvent: this.lastEvent,
      events: [...this.events],
      wallet: this.wallet,
      walletName: this.walletName,
      wallets: this.wallets,
      config: this.config,
      signedIn: this.signedIn,
      lastSubmit: this.lastSubmit,
      error: this.error,
      busy: this.busy,
      eventsConnected: this.eventsConnected,
    };
  }

  /** Calls `listener` after every state change; returns the function that stops it. */
  /** The current session token (JWT), or null when not signed in: for other panels' requests. */
  get sessionToken(): string | null {
    return this.#tokens.token;
  }

  /** Photos, recordings and enrolment need a check-in at the camera (the server's `auth.requireCheckin`). */
  get requireCheckin(): boolean {
    return this.config?.requireCheckin ?? false;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Finds wallets, loads the server's session config, and restores this tab's session if any. */
  async start(): Promise<void> {
    this.directory.onChange(() => this.#emit());
    this.directory.start();
    await this.#run('config', async () => {
      try {
        this.config = await this.#client.config();
      } catch (err) {
        this.unavailable = `sessions are not available on this server: ${errorText(err)}`;
        throw err;
      }
    });
    if (this.config && this.#tokens.restorable) {
      await this.#run('restore', async () => {
        try {
          await this.#tokens.restore();
        } catch (err) {
          throw new Error(`the earlier session could not be restored: ${errorText(err)}`, { cause: err });
        }
      });
    }
  }

  /** Connects the wallet named `name` (disconnecting another one first). */
  connect(name: string): Promise<void> {
    return this.#run('connect', async () => {
      const entry = this.directory.find(name);
      if (!entry) throw new Error(`no wallet named ${name}`);
      if (this.#entry && this.#entry !== entry) await this.#dropWallet();
      this.#watch(entry);
      await entry.adapter.connect();
      this.#setAddress(entry.adapter.publicKey);
    });
  }

  /** Disconnects the wallet (the session, if any, stays signed in). */
  disconnect(): Promise<void> {
    return this.#run(null, () => this.#dropWallet());
  }

  /** Signs in at `cameraId` with the connected wallet (Sign-In With Solana). */
  signIn(cameraId: string): Promise<void> {
    return this.#run('signin', async () => {
      const entry = this.#entry;
      const address = this.#address;
      if (!entry || !address) throw new Error('connect a wallet first');
      // 1. the server's challenge for this wallet and camera
      const challenge = await this.#client.challenge(address, cameraId);
      // 2. the wallet signs it
      const signed = await signChallenge(entry.adapter, challenge);
      // 3. the server checks the signature and opens a session
      const answer = await this.#client.signIn(signed.message, signed.signature);
      this.#socket.close(); // a new session: the socket joins its rooms afresh
      this.lastSubmit = null;
      this.#tokens.accept(answer);
    });
  }

  /** Checks in (an on-chain transaction signed by the wallet) with this consent. */
  checkIn(consent: SessionConsent): Promise<void> {
    return this.#run('checkin', () => this.#transact(() => this.#client.checkinTransaction(consent)));
  }

  /** Checks out (an on-chain transaction signed by the wallet). */
  checkOut(): Promise<void> {
    return this.#run('checkout', () => this.#transact(() => this.#client.checkoutTransaction()));
  }

  /** `GET /api/session`: refreshes the session shown. */
  reload(): Promise<void> {
    return this.#run('reload', () => this.#fetchSession());
  }

  /**
   * Signs out: ends the session on the server (`POST /api/session/end`) when it is still open,
   * then forgets it here (tokens, socket, view). The wallet stays connected. When the server
   * cannot be told, the session is forgotten all the same (it ends there by timeout) and the
   * error is shown.
   */
  signOut(): Promise<void> {
    return this.#run('signout', async () => {
      try {
        if (this.signedIn && this.session?.endedAt === null) await this.#client.end();
      } finally {
        this.#forget();
      }
    });
  }

  #forget(): void {
    this.#tokens.clear();
    this.#socket.close();
    this.session = null;
    this.lastSubmit = null;
  }

  /** Closes the socket, stops renewals and wallet discovery (idempotent). */
  close(): void {
    this.#tokens.clear();
    this.#socket.close();
    this.directory.close();
    this.#listeners.clear();
  }

  async #transact(build: () => Promise<BuiltTransaction>): Promise<void> {
    const entry = this.#entry;
    if (!entry || !this.#address) throw new Error('connect your wallet first');
    if (this.session && this.session.wallet !== this.#address) {
      throw new Error(`the connected wallet is not the session's (${this.session.wallet})`);
    }
    // 1. the server builds the transaction (memo + camera account, fee payer = the wallet)
    const built = await build();
    // 2. the wallet signs it
    const signed = await signTransaction(entry.adapter, built.transaction);
    // 3. the server submits it and answers once it is confirmed
    const answer = await this.#client.submit(signed);
    this.lastSubmit = answer;
    this.#setSession(answer.session);
  }

  async #fetchSession(): Promise<void> {
    try {
      this.#setSession(await this.#client.session());
    } catch (err) {
      if (!(err instanceof SessionApiError && err.unauthorised)) throw err;
      // The token was refused: the session ended (an expiry event may say how) or was revoked.
      const ended = this.#endedByEvent();
      this.#tokens.clear();
      if (!ended) throw err;
    }
  }

  #renewed(answer: TokenAnswer): void {
    this.#setSession(answer.session);
    this.#socket.open(answer.token, answer.session.cameraId);
    this.#emit();
  }

  #setSession(view: SessionView): void {
    this.session = view;
    // An ended session cannot be renewed; the socket stays open for the events that follow.
    if (view.endedAt !== null) this.#tokens.clear();
  }

  /** Marks the session ended from the latest event that ended it, if any; true when there was one. */
  #endedByEvent(): boolean {
    const session = this.session;
    if (!session) return false;
    for (let i = this.events.length - 1; i >= 0; i -= 1) {
      const end = endOf(this.events[i]!, session);
      if (!end) continue;
      this.session = {
        ...session,
        checkedIn: false,
        endedAt: new Date(end.at).toISOString(),
        endReason: end.reason,
      };
      return true;
    }
    return false;
  }

  #onEvent(record: SessionEventRecord): void {
    this.events.push(record);
    if (this.events.length > EVENT_HISTORY) this.events.splice(0, this.events.length - EVENT_HISTORY);
    this.lastEvent = record;
    this.#emit();
    const session = this.session;
    if (!session || record.data.wallet !== session.wallet || session.endedAt !== null) return;
    if (endOf(record, session)) {
      // Ended: no request (the token is refused from now on); the submit answer, if one is
      // coming, brings the server's view.
      this.#endedByEvent();
      this.#tokens.clear();
      this.#emit();
      return;
    }
    if (!this.signedIn) return;
    // Not through #run: an event may arrive while an action is busy; only a failure shows.
    this.#fetchSession().then(
      () => this.#emit(),
      (err: unknown) => {
        this.error = `session could not be refreshed after ${record.name}: ${errorText(err)}`;
        this.#emit();
      },
    );
  }

  #watch(entry: WalletEntry): void {
    this.#entry = entry;
    entry.adapter.on('connect', this.#onAccount);
    entry.adapter.on('disconnect', this.#onDisconnect);
  }

  async #dropWallet(): Promise<void> {
    const entry = this.#entry;
    if (!entry) return;
    entry.adapter.off('connect', this.#onAccount);
    entry.adapter.off('disconnect', this.#onDisconnect);
    this.#entry = null;
    this.#address = null;
    await entry.adapter.disconnect();
  }

  /** The wallet switched account (or signed in, which connects): follow it. */
  readonly #onAccount = (publicKey: PublicKey): void => {
    this.#setAddress(publicKey);
    this.#emit();
  };

  readonly #onDisconnect = (): void => {
    this.#address = null;
    this.#emit();
  };

  #setAddress(publicKey: PublicKey | null): void {
    const address = publicKey?.toBase58() ?? null;
    this.#address = address;
    const session = this.session;
    if (session && address !== null && session.wallet !== address && session.endedAt === null && this.signedIn) {
      // Another account: this session is not its own. Forget it here (it ends on the server by timeout).
      this.#forget();
      this.error = `the wallet switched to another account: signed out of ${session.wallet}`;
    }
  }

  /** Runs one action: marks it busy, keeps its error, tells the listeners. */
  async #run(busy: SessionBusy, action: () => Promise<void>): Promise<void> {
    this.busy = busy;
    this.error = null;
    this.#emit();
    try {
      await action();
    } catch (err) {
      this.error = errorText(err);
      console.warn(`[session] ${busy ?? 'action'} failed: ${this.error}`);
    } finally {
      this.busy = null;
      this.#emit();
    }
  }

  #emit(): void {
    for (const listener of this.#listeners) listener();
  }
}

/**
 * How an event ended `session`, or null when it did not: `session:expired` naming it, or
 * `session:checkout` of its wallet at its camera after it began (a check-out ends the session).
 */
function endOf(
  record: SessionEventRecord,
  session: SessionView,
): { at: number; reason: NonNullable<SessionView['endReason']> } | null {
  if (record.name === 'session:expired') {
    return record.data.sessionId === session.id ? { at: record.data.at, reason: record.data.reason } : null;
  }
  if (record.name !== 'session:checkout') return null;
  const { wallet, cameraId, at } = record.data;
  if (wallet !== session.wallet || cameraId !== session.cameraId || at < Date.parse(session.createdAt)) return null;
  return { at, reason: 'checkout' };
}
