import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/**
 * Where the test runs inside scripts/netns-run.sh's namespace: the DNS recorder's log and the
 * default-route interface. Undefined when not isolated (not root).
 */
export const egress = process.env.TEST_NETNS
  ? { dnsLog: process.env.TEST_DNS_LOG!, iface: process.env.TEST_EGRESS_IF! }
  : undefined;

/** Reason the no-egress checks skip, or false when they can run. */
export const egressSkip: string | false = egress
  ? false
  : 'not inside the test network namespace (run scripts/test.sh as root; needs CAP_NET_ADMIN)';

/** DNS queries recorded so far (one line each). */
export function dnsQueries(): string[] {
  if (!egress) return [];
  return readFileSync(egress.dnsLog, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Packets sent so far on the default-route interface. */
export function egressPackets(): number {
  if (!egress) return 0;
  return Number(readFileSync(`/sys/class/net/${egress.iface}/statistics/tx_packets`, 'utf8').trim());
}

/** Asserts that nothing has tried to leave the machine since the namespace was made. */
export function assertNoEgress(): void {
  assert.deepEqual(dnsQueries(), [], 'no DNS query may be made (resolver records every one)');
  assert.equal(egressPackets(), 0, 'no packet may leave through the default route');
}
