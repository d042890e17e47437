#!/usr/bin/env node
// Pushes a CSV price path into a running chain from N feeder keys.
//
//   node feeder.mjs --csv ../data/btc-eth-path.csv [--ws ws://127.0.0.1:9944] [--feeders 3]
//                   [--speed 10] [--spread-bps 5] [--authorise] [--configure] [--timeout 60]
//                   [--rounds N]
//
// CSV columns: timestamp (ms or ISO 8601), key (e.g. BTC), price (decimal), optional vol
// (decimal, annualised). Rows are grouped by timestamp; each group is one round. A round is sent
// by every feeder (//Feeder1 .. //FeederN), each with the price perturbed by up to
// ±spread-bps so the on-chain median has something to do; rounds are paced by the gaps between
// their timestamps divided by --speed (--speed 0: as fast as blocks allow).
//
// --authorise  uses //Alice's sudo (dev chain) to add the feeders and fund them.
// --configure  uses //Alice's sudo to configure every key in the CSV with sane defaults.
// Without sudo, governance must have done both (risk_admin track).
// --timeout    seconds to wait for each transaction's block (default 60): a transaction counts
//              as included when it is in a block or finalized (an instant- or timed-seal dev chain
//              may report only the latter); past the timeout the tool stops with an error.
// --rounds     send only the first N rounds of the CSV.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { send } from './chain.mjs';
import { toFixed, toKey } from './feeder-format.mjs';

const { values: opts } = parseArgs({
  options: {
    csv: { type: 'string' },
    ws: { type: 'string', default: process.env.WS ?? 'ws://127.0.0.1:9944' },
    feeders: { type: 'string', default: '3' },
    speed: { type: 'string', default: '1' },
    'spread-bps': { type: 'string', default: '5' },
    authorise: { type: 'boolean', default: false },
    configure: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '60' },
    rounds: { type: 'string' },
  },
});
if (!opts.csv) {
  console.error('usage: feeder.mjs --csv FILE [--ws URL] [--feeders N] [--speed X] [--authorise] [--configure] [--timeout S] [--rounds N]');
  process.exit(2);
}

function parseCsv(text) {
  const rounds = new Map();
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim() || line.startsWith('#') || (i === 0 && /timestamp/i.test(line))) continue;
    const [ts, key, price, vol] = line.split(',');
    const t = /^\d+$/.test(ts.trim()) ? Number(ts) : Date.parse(ts);
    if (Number.isNaN(t)) throw new Error(`line ${i + 1}: bad timestamp ${ts}`);
    if (!rounds.has(t)) rounds.set(t, []);
    rounds.get(t).push({ key: key.trim(), price: toFixed(price), vol: vol?.trim() ? toFixed(vol) : null });
  }
  return [...rounds.entries()].sort((a, b) => a[0] - b[0]);
}

function perturb(value, bps, seed) {
  // Deterministic per (round, feeder, key): a spread in [-bps, +bps].
  const x = Math.sin(seed) * 10_000;
  const frac = x - Math.floor(x); // [0, 1)
  const delta = BigInt(Math.round((frac * 2 - 1) * Number(bps)));
  return value + (value * delta) / 10_000n;
}

const TIMEOUT_MS = Number(opts.timeout) * 1000;
if (!(TIMEOUT_MS > 0)) {
  console.error(`--timeout must be a positive number of seconds, not ${opts.timeout}`);
  process.exit(2);
}

/** `tx` included (in a block or finalized), its dispatch error named, or a clear timeout. */
async function sendAndWait(api, tx, signer) {
  try {
    return await send(api, tx, signer, TIMEOUT_MS);
  } catch (e) {
    if (e.message === 'not included in time') {
      throw new Error(`not included within ${opts.timeout} s: is the node at ${opts.ws} producing blocks?`);
    }
    throw e;
  }
}

/** A sudo call's own result: the inner call's error, by name, is not a dispatch error. */
function sudoResult(api, events) {
  const sudid = events.find(({ event }) => api.events.sudo.Sudid.is(event));
  if (!sudid) throw new Error('no Sudo.Sudid event: is //Alice the sudo key?');
  const result = sudid.event.data[0];
  if (result.isErr) {
    const err = result.asErr;
    const detail = err.isModule ? api.registry.findMetaError(err.asModule) : null;
    throw new Error(`set-up failed: ${detail ? `${detail.section}.${detail.name}` : err.toString()}`);
  }
}

async function main() {
  await cryptoWaitReady();
  const api = await ApiPromise.create({ provider: new WsProvider(opts.ws), noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519' });
  const n = Number(opts.feeders);
  const feeders = Array.from({ length: n }, (_, i) => keyring.addFromUri(`//Feeder${i + 1}`));
  const all = parseCsv(readFileSync(opts.csv, 'utf8'));
  const rounds = opts.rounds === undefined ? all : all.slice(0, Number(opts.rounds));
  const keys = [...new Set(rounds.flatMap(([, rows]) => rows.map((r) => r.key)))];
  const alice = keyring.addFromUri('//Alice');

  if (opts.authorise || opts.configure) {
    // One sudo transaction per feeder: adding a feeder re-reads every key and declares it
    // (about 1.4 MB of proof on this runtime), so many in one call would not fit a transaction.
    if (opts.authorise) {
      for (const f of feeders) {
        const add = api.tx.utility.batchAll([
          api.tx.oracle.addFeeder(f.address),
          api.tx.balances.forceSetBalance(f.address, 1000n * 10n ** 12n),
        ]);
        const { events } = await sendAndWait(api, api.tx.sudo.sudo(add), alice);
        sudoResult(api, events);
      }
    }
    const calls = [];
    if (opts.configure) {
      for (const k of keys) {
        const hasVol = rounds.some(([, rows]) => rows.some((r) => r.key === k && r.vol !== null));
        calls.push(api.tx.oracle.setKey(toKey(k), {
          minQuorum: Math.min(n, Math.max(1, Math.ceil(n / 2))), maxAge: 60_000,
          maxDeviation: 150_000 /* 15% */, breakerWindow: 300_000, emaHalfLife: 60_000, hasVol,
        }));
      }
    }
    if (calls.length) {
      const { events } = await sendAndWait(api, api.tx.sudo.sudo(api.tx.utility.batchAll(calls)), alice);
      sudoResult(api, events);
    }
    console.log(`set up ${opts.authorise ? n + ' feeders' : ''} ${opts.configure ? keys.length + ' keys' : ''}`);
  }

  const speed = Number(opts.speed);
  const bps = BigInt(opts['spread-bps']);
  let prevTs = null;
  let sent = 0;
  for (const [r, [ts, rows]] of rounds.entries()) {
    if (prevTs !== null && speed > 0) await new Promise((ok) => setTimeout(ok, (ts - prevTs) / speed));
    prevTs = ts;
    const results = await Promise.allSettled(feeders.map((f, fi) => {
      const values = rows.map((row, ki) => ({
        key: toKey(row.key),
        price: perturb(row.price, bps, r * 1000 + fi * 10 + ki),
        vol: row.vol === null ? null : perturb(row.vol, bps, r * 1000 + fi * 10 + ki + 5),
      }));
      return sendAndWait(api, api.tx.oracle.feed(values), f);
    }));
    for (const res of results) {
      if (res.status === 'fulfilled') sent += 1;
      else console.error(`round ${r}: ${res.reason.message}`);
    }
    const quotes = await Promise.all(keys.map(async (k) => {
      const st = await api.query.oracle.keyStates(toKey(k));
      const agg = st.aggregate.isSome ? st.aggregate.unwrap() : null;
      return `${k}=${agg ? (Number(agg.median.toBigInt() / 10n ** 12n) / 1e6).toFixed(4) : '-'}${st.breaker.tripped.isTrue ? '(halted)' : ''}`;
    }));
    console.log(`round ${r + 1}/${rounds.length} t=${ts}: ${quotes.join(' ')}`);
  }
  console.log(`done: ${sent} feeds in ${rounds.length} rounds`);
  await api.disconnect();
  if (sent < rounds.length * n) process.exit(1);
}

main().catch((e) => { console.error(e); process.exit(1); });
