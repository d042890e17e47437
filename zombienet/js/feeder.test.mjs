// The feeder tool against a running dev node, in whichever seal mode it was started with
// (`scripts/client-tests` runs it against an instant-seal and a timed-seal node):
//
//   cd zombienet/js && npm ci && WS=ws://127.0.0.1:9944 node --test feeder.test.mjs
//
// On a timed-seal chain a transaction's status may go straight to `Finalized`; the tool used to
// wait for `InBlock` only and hung after its set-up batch had been included.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { toFixed, toKey } from './feeder-format.mjs';

const WS = process.env.WS ?? 'ws://127.0.0.1:9944';
const FEEDER = new URL('./feeder.mjs', import.meta.url).pathname;

await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(WS), noInitWarn: true });
after(() => api.disconnect());

/** Runs the tool; its exit status and output. */
function feeder(...args) {
  const run = spawnSync(process.execPath, [FEEDER, '--ws', WS, ...args], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

// Three rounds of one key, six seconds apart, on a symbol no preset configures.
const rows = [
  ['1767225600000', '41000.5'],
  ['1767225606000', '41010.25'],
  ['1767225612000', '40990.75'],
];
const dir = mkdtempSync(join(tmpdir(), 'feeder-'));
const csv = join(dir, 'path.csv');
writeFileSync(csv, ['timestamp,key,price,vol', ...rows.map(([t, p]) => `${t},FEEDTST,${p},`)].join('\n'));

test('the documented command sets up feeders and the key, prints every round and feeds', async () => {
  const { status, out, err } = feeder(
    '--csv', csv, '--feeders', '3', '--speed', '0', '--authorise', '--configure', '--timeout', '30');
  assert.equal(status, 0, `feeder failed:\n${out}\n${err}`);
  assert.match(out, /set up 3 feeders 1 keys/);
  for (let r = 1; r <= rows.length; r += 1) assert.match(out, new RegExp(`round ${r}/${rows.length} `));
  assert.match(out, /done: 9 feeds in 3 rounds/);
  // The key's median is the last round's price, each feeder's within ±5 bps of it.
  const state = await api.query.oracle.keyStates(toKey('FEEDTST'));
  assert.ok(state.aggregate.isSome, 'no aggregate after three rounds');
  const median = state.aggregate.unwrap().median.toBigInt();
  const last = toFixed(rows[rows.length - 1][1]);
  const band = (last * 5n) / 10_000n;
  assert.ok(median >= last - band && median <= last + band, `median ${median} not within 5 bps of ${last}`);
  const feeders = await api.query.oracle.feeders.entries();
  assert.ok(feeders.length >= 3, `${feeders.length} feeders`);
});

test('a set-up the chain refuses stops the tool with the error named', () => {
  // The feeders are authorised already: adding them again fails inside sudo.
  const { status, err } = feeder('--csv', csv, '--feeders', '3', '--speed', '0', '--authorise', '--timeout', '30');
  assert.notEqual(status, 0);
  assert.match(err, /set-up failed: oracle\.\w+/);
});

test('bad arguments are refused before connecting', () => {
  const { status, err } = feeder('--csv', csv, '--timeout', '0');
  assert.equal(status, 2);
  assert.match(err, /--timeout must be a positive number of seconds/);
});
