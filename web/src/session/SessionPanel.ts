import { formatTime, shorten } from './format';
import type { SessionBusy, SessionController } from './SessionController';

/** The notice shown beside the check-in button (what goes on chain, in plain words). */
export const PUBLIC_RECORD_NOTICE =
  'Checking in writes a public, permanent record on the Solana blockchain: your wallet address, this camera and the time.';
/** Shown when no Wallet Standard wallet is installed. */
export const NO_WALLET_TEXT = 'No wallet found: install a Solana wallet that supports the Wallet Standard';

/** Panel state in `data-session-state`. */
export type PanelState = 'none' | 'signed-in' | 'checked-in' | 'checked-out' | 'ended';

/** What the panel says while an action runs. */
const BUSY_TEXT: Record<Exclude<SessionBusy, null>, string> = {
  config: 'Loading…',
  restore: 'Restoring the session…',
  connect: 'Waiting for the wallet…',
  signin: 'Sign in with your wallet…',
  checkin: 'Sign the check-in in your wallet, then wait for the chain…',
  checkout: 'Sign the check-out in your wallet, then wait for the chain…',
  reload: 'Refreshing…',
  signout: 'Signing out…',
};

/** Session fields listed: [data-field, label]. */
const FIELDS = [
  ['wallet', 'wallet'],
  ['role', 'role'],
  ['camera', 'camera'],
  ['checked-in', 'checked in'],
  ['signature', 'check-in tx'],
  ['consent', 'consent'],
  ['expires', 'expires'],
] as const;

type Field = (typeof FIELDS)[number][0];

/**
 * The wallet session panel beside the camera grid: wallet list and connection, sign-in (with the
 * camera chosen), check-in consent and the public-record notice, check-in/check-out, the session's
 * state, errors and the last live event. It renders a `SessionController` after every change.
 *
 * DOM contract (used by tests), inside the root (`#session`):
 * - root `data-session-state` = `none | signed-in | checked-in | checked-out | ended`, `data-busy`;
 * - `[data-role=wallets]` with one `button[data-wallet=<name>]` per wallet (icon + name);
 *   `[data-role=no-wallet]` shown when there is none;
 * - `[data-role=wallet-address]` the connected address (shortened; full in `title`);
 * - `select[data-role=camera]`, buttons `[data-action=connect|disconnect|signin|signout|checkin|checkout]`;
 * - `input[name=showName]`, `input[name=keepEnrolment]` (consent, both off by default);
 * - `[data-role=notice]` the public-record notice; `[data-role=chain-off]` shown without a chain;
 * - `[data-role=status]` one line of state; `dd[data-field=wallet|role|camera|checked-in|signature|consent|expires]`
 *   (full values in `data-value`);
 * - `[data-role=error]` why the last action failed; `[data-role=last-event]` the last live event.
 */
export class SessionPanel {
  private readonly walletList: HTMLElement;
  private readonly noWallet: HTMLElement;
  private readonly connected: HTMLElement;
  private readonly address: HTMLElement;
  private readonly walletName: HTMLElement;
  private readonly camera: HTMLSelectElement;
  private readonly showName: HTMLInputElement;
  private readonly keepEnrolment: HTMLInputElement;
  private readonly checkinSection: HTMLElement;
  private readonly checkinControls: HTMLElement;
  private readonly chainOff: HTMLElement;
  private readonly unavailable: HTMLElement;
  private readonly cluster: HTMLElement;
  private readonly status: HTMLElement;
  private readonly busy: HTMLElement;
  private readonly error: HTMLElement;
  private readonly lastEvent: HTMLElement;
  private readonly fields = new Map<Field, HTMLElement>();
  private readonly buttons = new Map<string, HTMLButtonElement>();
  private cameraIds: string[] = [];
  private walletNames = '';

  /**
   * @param root the panel's element (emptied and filled).
   * @param controller the session state and actions.
   * @param preferredCamera camera selected first when listed (the page's `?camera=`).
   */
  constructor(
    readonly root: HTMLElement,
    private readonly controller: SessionController,
    private readonly preferredCamera: string | null = null,
  ) {
    root.replaceChildren();
    root.classList.add('session');

    const header = el('header', 'session-header');
    const title = el('h2', 'session-title', 'Wallet session');
    this.cluster = el('span', 'session-cluster');
    this.cluster.dataset.role = 'cluster';
    header.append(title, this.cluster);
    this.unavailable = el('p', 'session-unavailable');
    this.unavailable.dataset.role = 'unavailable';
    this.unavailable.hidden = true;

    // Wallet
    const walletSection = section('Wallet');
    this.walletList = el('ul', 'wallet-list');
    this.walletList.dataset.role = 'wallets';
    this.noWallet = el('p', 'session-note', NO_WALLET_TEXT);
    this.noWallet.dataset.role = 'no-wallet';
    this.connected = el('p', 'wallet-connected');
    this.address = el('code', 'wallet-address');
    this.address.dataset.role = 'wallet-address';
    this.walletName = el('span', 'wallet-name');
    this.connected.append('Connected: ', this.address, this.walletName, this.button('disconnect', 'Disconnect'));
    walletSection.append(this.walletList, this.noWallet, this.connected);

    // Sign in
    const signinSection = section('Sign in');
    const cameraLabel = el('label', 'session-field', 'Camera ');
    this.camera = document.createElement('select');
    this.camera.dataset.role = 'camera';
    cameraLabel.append(this.camera);
    const signinActions = el('div', 'session-actions');
    signinActions.append(this.button('signin', 'Sign in'), this.button('signout', 'Sign out'));
    signinSection.append(cameraLabel, signinActions);

    // Check in
    this.checkinSection = section('Check in');
    this.checkinControls = el('div', 'checkin-controls');
    this.showName = checkbox('showName', 'Show my name on the stream');
    this.keepEnrolment = checkbox('keepEnrolment', 'Keep my face enrolment after check-out');
    const notice = el('p', 'session-notice', PUBLIC_RECORD_NOTICE);
    notice.dataset.role = 'notice';
    const checkinActions = el('div', 'session-actions');
    checkinActions.append(this.button('checkin', 'Check in'), this.button('checkout', 'Check out'));
    this.checkinControls.append(
      this.showName.parentElement!,
      this.keepEnrolment.parentElement!,
      notice,
      checkinActions,
    );
    this.chainOff = el('p', 'session-note', 'Check-in unavailable: chain not configured on this server.');
    this.chainOff.dataset.role = 'chain-off';
    this.chainOff.hidden = true;
    this.checkinSection.append(this.checkinControls, this.chainOff);

    // State
    const stateSection = section('Session');
    this.status = el('p', 'session-status', 'Not signed in');
    this.status.dataset.role = 'status';
    const list = el('dl', 'session-fields');
    list.dataset.role = 'session';
    for (const [field, label] of FIELDS) {
      const dd = el('dd', '', '–');
      dd.dataset.field = field;
      list.append(el('dt', '', label), dd);
      this.fields.set(field, dd);
    }
    stateSection.append(this.status, list);

    this.busy = el('p', 'session-busy');
    this.busy.dataset.role = 'busy';
    this.error = el('p', 'session-error');
    this.error.dataset.role = 'error';
    this.error.setAttribute('role', 'alert');
    this.lastEvent = el('p', 'session-event', 'No live event yet.');
    this.lastEvent.dataset.role = 'last-event';

    root.append(
      header,
      this.unavailable,
      walletSection,
      signinSection,
      this.checkinSection,
      stateSection,
      this.busy,
      this.error,
      this.lastEvent,
    );
    this.wire();
    controller.onChange(() => this.render());
    this.render();
  }

  /** Lists the cameras to sign in at (from `/api/status`); keeps the selection when still listed. */
  setCameras(ids: readonly string[]): void {
    if (ids.length === this.cameraIds.length && ids.every((id, i) => id === this.cameraIds[i])) return;
    const selected = this.camera.value || this.preferredCamera;
    this.cameraIds = [...ids];
    this.camera.replaceChildren(
      ...ids.map((id) => {
        const option = document.createElement('option');
        option.value = id;
        option.textContent = id;
        return option;
      }),
    );
    if (selected && ids.includes(selected)) this.camera.value = selected;
    this.render();
  }

  /** The state shown, from the session and the last submit. */
  get state(): PanelState {
    const { session, lastSubmit } = this.controller;
    if (!session) return 'none';
    if (session.endedAt !== null) return 'ended';
    if (session.checkedIn) return 'checked-in';
    if (lastSubmit?.kind === 'checkout' && lastSubmit.session.id === session.id) return 'checked-out';
    return 'signed-in';
  }

  private wire(): void {
    this.walletList.addEventListener('click', (ev) => {
      const button = (ev.target as Element).closest<HTMLButtonElement>('button[data-wallet]');
      if (button?.dataset.wallet) void this.controller.connect(button.dataset.wallet);
    });
    this.on('disconnect', () => void this.controller.disconnect());
    this.on('signin', () => void this.controller.signIn(this.camera.value));
    this.on('signout', () => void this.controller.signOut());
    this.on(
      'checkin',
      () =>
        void this.controller.checkIn({ showName: this.showName.checked, keepEnrolment: this.keepEnrolment.checked }),
    );
    this.on('checkout', () => void this.controller.checkOut());
  }

  private render(): void {
    const c = this.controller;
    const session = c.session;
    const state = this.state;
    const busy = c.busy !== null;
    const live = session !== null && session.endedAt === null && c.signedIn;
    const ownWallet = c.wallet !== null && (session === null || session.wallet === c.wallet);
    this.root.dataset.sessionState = state;
    this.root.dataset.busy = c.busy ?? '';

    this.unavailable.hidden = c.unavailable === null;
    this.unavailable.textContent = c.unavailable ?? '';
    this.cluster.textContent = c.config ? c.config.cluster : '';

    // Wallet list (rebuilt only when the set of wallets changes)
    const entries = c.directory.entries;
    const names = entries.map((e) => e.name).join('\n');
    if (names !== this.walletNames) {
      this.walletNames = names;
      this.walletList.replaceChildren(
        ...entries.map((entry) => {
          const li = document.createElement('li');
          const button = document.createElement('button');
          button.type = 'button';
          button.className = 'wallet-button';
          button.dataset.wallet = entry.name;
          button.dataset.action = 'connect';
          const icon = document.createElement('img');
          icon.src = entry.icon;
          icon.alt = '';
          icon.width = 20;
          icon.height = 20;
          button.append(icon, entry.name);
          li.append(button);
          return li;
        }),
      );
    }
    this.noWallet.hidden = entries.length > 0;
    for (const button of this.walletList.querySelectorAll<HTMLButtonElement>('button[data-wallet]')) {
      button.disabled = busy;
      button.setAttribute('aria-pressed', String(button.dataset.wallet === c.walletName && c.wallet !== null));
    }
    this.connected.hidden = c.wallet === null;
    this.address.textContent = c.wallet ? shorten(c.wallet) : '';
    this.walletName.textContent = c.walletName ? ` ${c.walletName} ` : ' ';
    this.address.title = c.wallet ?? '';

    // Sign in
    this.camera.disabled = busy || live;
    if (live && session) this.camera.value = session.cameraId;
    this.enable('disconnect', !busy && c.wallet !== null);
    this.enable('signin', !busy && c.wallet !== null && !live && this.camera.value !== '' && c.config !== null);
    this.enable('signout', !busy && session !== null);

    // Check in
    const chain = c.config?.chainEnabled ?? false;
    this.checkinControls.hidden = !chain;
    this.chainOff.hidden = chain || c.config === null;
    const checkedIn = session?.checkedIn ?? false;
    for (const box of [this.showName, this.keepEnrolment]) box.disabled = busy || !live || checkedIn;
    if (checkedIn && session?.consent) {
      this.showName.checked = session.consent.showName;
      this.keepEnrolment.checked = session.consent.keepEnrolment;
    }
    this.enable('checkin', !busy && live && ownWallet && !checkedIn);
    this.enable('checkout', !busy && live && ownWallet && checkedIn);

    // State
    this.status.textContent = this.statusText(state);
    this.setField('wallet', session?.wallet ?? null, shorten);
    this.setField('role', session?.role ?? null);
    this.setField('camera', session?.cameraId ?? null);
    this.setField('checked-in', session ? (session.checkedIn ? session.checkedInAt : null) : null, formatTime, 'no');
    this.setField('signature', session?.checkinSignature ?? null, (s) => shorten(s, 8));
    this.setField('consent', session?.consent ? JSON.stringify(session.consent) : null, () =>
      session?.consent
        ? `name ${session.consent.showName ? 'shown' : 'hidden'} · enrolment ${
            session.consent.keepEnrolment ? 'kept' : 'purged'
          }`
        : '–',
    );
    const expires = session ? earliest(session.expiresAt, session.idleExpiresAt) : null;
    this.setField('expires', session?.endedAt ? null : expires, formatTime);

    this.busy.textContent = c.busy ? BUSY_TEXT[c.busy] : '';
    this.error.textContent = c.error ?? '';
    this.error.hidden = c.error === null;
    const event = c.lastEvent;
    const connection = live ? (c.eventsConnected ? 'live events on' : `live events off (${c.eventsError ?? '…'})`) : '';
    this.lastEvent.textContent =
      (event
        ? `Last event: ${event.name} at ${new Date(event.receivedAt).toLocaleTimeString()}`
        : 'No live event yet.') + (connection ? ` · ${connection}` : '');
    this.lastEvent.dataset.event = event?.name ?? '';
  }

  private statusText(state: PanelState): string {
    const { session, lastSubmit } = this.controller;
    switch (state) {
      case 'none':
        return 'Not signed in';
      case 'signed-in':
        return `Signed in as ${session!.role}, not checked in`;
      case 'checked-in':
        return `Checked in since ${formatTime(session!.checkedInAt)} (tx ${shorten(session!.checkinSignature ?? '?', 8)})`;
      case 'checked-out':
        return `Checked out (tx ${shorten(lastSubmit!.signature, 8)})`;
      case 'ended':
        return `Session ended (${session!.endReason ?? 'ended'}) at ${formatTime(session!.endedAt)}`;
    }
  }

  private setField(field: Field, value: string | null, show: (v: string) => string = (v) => v, none = '–'): void {
    const dd = this.fields.get(field)!;
    dd.textContent = value === null ? none : show(value);
    dd.dataset.value = value ?? '';
    dd.title = value ?? '';
  }

  private button(action: string, text: string): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.action = action;
    button.textContent = text;
    this.buttons.set(action, button);
    return button;
  }

  private on(action: string, handler: () => void): void {
    this.buttons.get(action)!.addEventListener('click', handler);
  }

  private enable(action: string, enabled: boolean): void {
    this.buttons.get(action)!.disabled = !enabled;
  }
}

/** The earlier of two ISO instants. */
function earliest(a: string, b: string): string {
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function section(title: string): HTMLElement {
  const node = el('section', 'session-section');
  node.append(el('h3', 'session-heading', title));
  return node;
}

/** A checkbox inside its label (unchecked); the label is its parent element. */
function checkbox(name: string, text: string): HTMLInputElement {
  const label = el('label', 'session-consent');
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.name = name;
  input.checked = false;
  label.append(input, ` ${text}`);
  return input;
}
