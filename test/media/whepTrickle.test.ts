import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidateProblem, parseTrickleFragment } from '../../media/whep/whepSdp.js';

describe('trickle-ICE candidate lines (RFC 8839 §5.1)', () => {
  it('accepts the candidates browsers send: host (IP or mDNS), srflx with raddr/rport, TCP with tcptype, extensions', () => {
    for (const candidate of [
      'candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host',
      'candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag abcd network-cost 999',
      'candidate:3098175849 1 udp 2122260223 0f8c3e2b-9c8e-4a4e-9d0a-1d2c3b4a5f6e.local 54321 typ host generation 0',
      'candidate:1 1 TCP 1518280447 ::1 9 typ host tcptype active',
      'candidate:a+b/c 256 UDP 4294967295 fe80::1 65535 typ relay raddr 198.51.100.1 rport 3478',
    ]) {
      assert.equal(candidateProblem(candidate), undefined, candidate);
    }
    const { candidates } = parseTrickleFragment(
      'a=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n',
    );
    assert.equal(candidates.length, 1);
  });

  it('refuses lines that break the grammar or would make the server resolve a name, naming what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['candidate:1 1 udp 2130706431 127.0.0.1', /needs foundation/],
      ['candidate:1 x udp 2130706431 127.0.0.1 9 typ host', /component/],
      ['candidate:1 0 udp 2130706431 127.0.0.1 9 typ host', /component/],
      ['candidate:1 1 sctp 2130706431 127.0.0.1 9 typ host', /transport/],
      ['candidate:1 1 udp 4294967296 127.0.0.1 9 typ host', /priority/],
      ['candidate:1 1 udp 1 stun.example.com 9 typ host', /IP address or an mDNS/],
      ['candidate:1 1 udp 1 999.1.1.1 9 typ host', /IP address or an mDNS/],
      ['candidate:1 1 udp 1 127.0.0.1 65536 typ host', /port/],
      ['candidate:1 1 udp 1 127.0.0.1 9 type host', /typ host/],
      ['candidate:1 1 udp 1 127.0.0.1 9 typ bogus', /typ host/],
      ['candidate:f*o 1 udp 1 127.0.0.1 9 typ host', /foundation/],
    ];
    for (const [candidate, problem] of cases)
      assert.match(candidateProblem(candidate) ?? 'accepted', problem, candidate);
    assert.throws(
      () => parseTrickleFragment('a=mid:0\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ bogus\r\n'),
      (error: Error & { field?: string }) => error.field === 'body' && /typ host/.test(error.message),
    );
  });
});
