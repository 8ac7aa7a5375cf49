import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { TestNetwork } from './TestNetwork.js';

/** Sends `count` UDP datagrams from inside `ns` to host:port (node in the namespace). */
async function sendUdp(net: TestNetwork, ns: string, host: string, port: number, count: number): Promise<void> {
  const script =
    `const s=require('dgram').createSocket('udp4');let n=${count};` +
    `const go=()=>{if(n--===0)return s.close();s.send('x',${port},'${host}',go)};go();`;
  await net.exec(ns, [process.execPath, '-e', script]);
}

test('TestNetwork: a namespace joined by a veth, an nftables filter that drops and counts UDP, Chromium inside', async (t) => {
  const reason = TestNetwork.skipReason({ nft: true, chromium: true });
  if (reason) return t.skip(reason);
  const net = new TestNetwork('unit');
  after(() => net.close());

  const peer = await net.addNamespace('peer');
  const link = await net.link(null, peer);
  assert.match(link.a.address, /^198\.1[89]\./);

  // Both directions: a TCP round trip from the namespace to a server on this side's address.
  const server = createServer((req, res) => res.end(`hello ${req.socket.remoteAddress}`));
  after(() => new Promise((r) => server.close(r)));
  await new Promise<void>((r) => server.listen(0, link.a.address, r));
  const port = (server.address() as AddressInfo).port;
  const { stdout } = await net.exec(peer, [
    process.execPath,
    '-e',
    `fetch('http://${link.a.address}:${port}/').then(r=>r.text()).then(t=>console.log(t))`,
  ]);
  assert.equal(stdout.trim(), `hello ${link.b.address}`, 'the request came from the namespace end of the veth');

  // Nothing resolves in the namespace: resolv.conf names 127.0.0.1, where nothing listens.
  const lookup = await net
    .exec(peer, [process.execPath, '-e', `require('dns').lookup('example.com',e=>process.exit(e?3:0))`])
    .then(
      () => 0,
      (e: { code?: number }) => e.code,
    );
  assert.equal(lookup, 3, 'a name lookup inside the namespace fails');

  // UDP from the namespace is dropped and counted; port 53 is counted on its own.
  await net.filter(link.a, [
    { match: 'udp dport 53', counter: 'dns' },
    { match: 'meta l4proto udp', counter: 'udp', verdict: 'drop' },
  ]);
  const udp = createSocket('udp4');
  let received = 0;
  udp.on('message', () => received++);
  await new Promise<void>((r) => udp.bind(0, link.a.address, r));
  after(() => udp.close());
  await sendUdp(net, peer, link.a.address, udp.address().port, 5);
  let counters = await net.counters();
  assert.ok(counters.udp!.packets >= 5, `UDP counter rose: ${JSON.stringify(counters)}`);
  assert.equal(counters.dns!.packets, 0);
  assert.equal(received, 0, 'no datagram got through the drop rule');
  await sendUdp(net, peer, link.a.address, 53, 1);
  counters = await net.counters();
  assert.equal(counters.dns!.packets, 1, 'the port-53 counter counts the one datagram to port 53');

  // Chromium inside the namespace reaches this side's address from the namespace's.
  const { browser } = await net.launchChromium(peer);
  const page = await browser.newPage();
  await page.goto(`http://${link.a.address}:${port}/`);
  assert.equal(await page.textContent('body'), `hello ${link.b.address}`);

  // close() removes everything and may be called again.
  await net.close();
  await net.close();
  assert.ok(!spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(peer), 'namespace deleted');
  assert.ok(!existsSync(`/etc/netns/${peer}`), '/etc/netns folder removed');
  assert.equal(spawnSync('ip', ['link', 'show', link.a.ifname]).status, 1, 'veth deleted');
});
