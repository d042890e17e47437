// A trader's day on a running chain, through Polkadot.js only (issue 20's scenario; this file is
// its first part). Against a `--dev` node (instant or timed seal):
//
//   cd zombienet/js && npm ci && WS=ws://127.0.0.1:9944 node --test trader-day.test.mjs
//
// The steps share one chain and run in order: the market is listed and priced (the feeder tool
// feeds the oracle), four traders deposit, quote and trade, every bad input on the way is refused
// with its module error and changes nothing, a stop-loss waits on chain, the price falls, the
// stop fires and the over-levered trader is liquidated by a keeper, and the maker withdraws.
// After each step the invariants are read from storage: the vault's ledgers sum to what it holds
// of the asset, and open interest is the same long and short.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, stringToU8a } from '@polkadot/util';
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';
import { send } from './chain.mjs';
import { toKey } from './feeder-format.mjs';

const WS = process.env.WS ?? 'ws://127.0.0.1:9944';
const FEEDER = new URL('./feeder.mjs', import.meta.url).pathname;
const TIMEOUT_MS = 60_000;

await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(WS), noInitWarn: true });
after(() => api.disconnect());

const keyring = new Keyring({ type: 'sr25519' });
const [alice, bob, charlie, dave, eve] = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve'].map((n) => keyring.addFromUri(`//${n}`));
const acct = (pair) => ({ owner: pair.address, sub: 0 });

// The dev chain's settlement asset: collateral 0, USD at 6 decimals (asset 1 of pallet-assets).
const USD = 0;
const USD_ASSET = 1;
const usd = (n) => BigInt(Math.round(n * 1_000_000));
// Prices and fractions: FixedU128 (18 decimals), Permill.
const fixed = (x) => BigInt(Math.round(x * 1_000)) * 10n ** 15n;
const permill = (pct) => pct * 10_000;
// DAY trades in thousandths of a unit (size decimals 3): 1 DAY = 1,000 size units.
const DAY = 1_000n;
const KEY = 'DAY';

let market;

/** `tx` signed by `signer` and included; the events of its block. */
const ok = (tx, signer) => send(api, tx, signer, TIMEOUT_MS);

/** `tx` refused with `error` (`pallet.Error`, or a dispatch error's name), nothing changed. */
async function refused(tx, signer, error, watched) {
  const before = await snapshot(watched);
  await assert.rejects(send(api, tx, signer, TIMEOUT_MS), (e) => {
    assert.match(e.message, new RegExp(error.replace('.', '\\.')), e.message);
    return true;
  });
  assert.deepEqual(await snapshot(watched), before, `${error}: the refusal changed state`);
}

/** What a refusal must leave as it was: the accounts' ledgers, orders and positions. */
async function snapshot(accounts) {
  return Promise.all(accounts.map(async (pair) => ({
    ledger: (await api.query.vaults.ledgers(acct(pair))).toHex(),
    orders: (await api.query.orderbook.accountOrders(market, acct(pair))).toHex(),
    margin: (await api.query.margin.accounts(acct(pair))).toHex(),
  })));
}

/** Sudo's own result: the inner call's error by name. */
function sudid(events) {
  const done = events.find(({ event }) => api.events.sudo.Sudid.is(event));
  assert.ok(done, 'no Sudo.Sudid event');
  const result = done.event.data[0];
  if (result.isErr) {
    const err = result.asErr;
    const meta = err.isModule ? api.registry.findMetaError(err.asModule) : null;
    assert.fail(`sudo call failed: ${meta ? `${meta.section}.${meta.name}` : err.toString()}`);
  }
}

/** The feeder tool, feeding DAY at each of `prices` in turn (three feeders). */
function feed(prices, setUp) {
  const dir = mkdtempSync(join(tmpdir(), 'trader-day-'));
  const csv = join(dir, 'day.csv');
  const t0 = Date.now();
  writeFileSync(csv, ['timestamp,key,price,vol', ...prices.map((p, i) => `${t0 + i * 1000},${KEY},${p},`)].join('\n'));
  const run = spawnSync(process.execPath, [FEEDER, '--ws', WS, '--csv', csv, '--feeders', '3', '--speed', '0',
    '--spread-bps', '0', '--timeout', '60', ...setUp], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(run.status, 0, `feeder failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** A pallet's account: `modl` and its 8-byte id, padded. */
function palletAccount(id) {
  const raw = u8aConcat(stringToU8a('modl'), id, new Uint8Array(32)).slice(0, 32);
  return encodeAddress(raw, api.registry.chainSS58);
}
const vaultAccount = () => palletAccount(api.consts.vaults.palletId.toU8a());

/** `account`'s USD in the vault's ledger (negative: it owes settlement cash). */
async function ledgerUsd(account) {
  for (const [id, balance] of await api.query.vaults.ledgers(account)) {
    if (id.toNumber() === USD) return balance.toBigInt();
  }
  return 0n;
}

/** The insurance fund's USD: the margin engine's sub-account 2 (`INSURANCE_SUB`). */
const fundUsd = () => ledgerUsd({ owner: palletAccount(stringToU8a('clr/mrgn')), sub: 2 });

/** Invariants read from storage: the ledgers sum to what the vault holds of USD, and each
 * market's open interest equals the longs and the shorts. */
async function invariants() {
  const ledgers = await api.query.vaults.ledgers.entries();
  let sum = 0n;
  for (const [, ledger] of ledgers) {
    for (const [id, balance] of ledger) {
      if (id.toNumber() === USD) sum += balance.toBigInt();
    }
  }
  const held = (await api.query.vaults.collaterals(USD)).unwrap().held.toBigInt();
  const asset = await api.query.assets.account(USD_ASSET, vaultAccount());
  const holding = asset.isSome ? asset.unwrap().balance.toBigInt() : 0n;
  assert.equal(sum, held, `ledgers sum to ${sum}, the vault records ${held} held`);
  assert.equal(holding, held, `the vault holds ${holding} of the asset, records ${held}`);
  if (market !== undefined) {
    let long = 0n;
    let short = 0n;
    for (const [, record] of await api.query.margin.accounts.entries()) {
      // Polkadot.js renames a struct field called `entries` (a Map method) to `entries_`.
      for (const e of record.entries_) {
        if (e.market.toNumber() !== market) continue;
        const q = e.quantity.toBigInt();
        if (q > 0n) long += q; else short -= q;
      }
    }
    const state = (await api.query.margin.markets(market)).unwrap().state;
    assert.equal(long, short, `long ${long} != short ${short}`);
    assert.equal(state.openInterest.toBigInt(), long, 'open interest is not the longs');
  }
}

const limit = (side, price, size, extra = {}) => ({
  side, orderType: { Limit: { price: fixed(price) } }, quantity: size, timeInForce: 'Gtc',
  reduceOnly: false, clientId: null, selfTrade: 'CancelResting', ...extra,
});

async function health(pair) {
  const h = await api.call.marginApi.accountHealth(acct(pair));
  return h.unwrap();
}

test('governance lists DAY, the feeder tool prices it at 100', async () => {
  // The feeders of an earlier run (or of the feeder tool's own test) are authorised already.
  const authorised = (await api.query.oracle.feeders(keyring.addFromUri('//Feeder1').address)).isSome;
  const out = feed(['100'], authorised ? ['--configure'] : ['--authorise', '--configure']);
  assert.match(out, /round 1\/1 .*DAY=100\.0000/);
  market = (await api.query.orderbook.counterForMarkets()).toNumber();
  const config = {
    underlying: toKey(KEY), kind: 'Perpetual', tickSize: fixed(0.5), lotSize: DAY,
    params: { minSize: DAY, makerFee: 0, takerFee: 0, maxOpenOrders: 20 }, status: 'Active',
  };
  const risk = {
    underlying: toKey(KEY), sizeDecimals: 3, initial: permill(10), maintenance: permill(5),
    initialAtFull: permill(10), openInterestFull: 0, funding: null,
  };
  const { events } = await ok(api.tx.sudo.sudo(api.tx.utility.batchAll([
    api.tx.orderbook.createMarket(config),
    api.tx.margin.setMarketRisk(market, risk),
  ])), alice);
  sudid(events);
  assert.ok(events.some(({ event }) => api.events.orderbook.MarketCreated.is(event)));
  // A signed account cannot list a market: only governance (here root) can.
  await refused(api.tx.orderbook.createMarket(config), dave, 'BadOrigin', [dave]);
  await invariants();
});

test('four traders deposit USD into their margin accounts', async () => {
  const amounts = new Map([[bob, 10_000], [charlie, 100], [dave, 1_000], [eve, 1_000]]);
  const charlieBefore = (await health(charlie)).equity.toBigInt();
  for (const [pair, n] of amounts) {
    const before = (await api.query.assets.account(USD_ASSET, pair.address)).unwrap().balance.toBigInt();
    const { events } = await ok(api.tx.vaults.deposit(USD, usd(n), 0), pair);
    const ev = events.find(({ event }) => api.events.vaults.Deposited.is(event));
    assert.ok(ev, 'no Vaults.Deposited');
    const after = (await api.query.assets.account(USD_ASSET, pair.address)).unwrap().balance.toBigInt();
    assert.equal(before - after, usd(n));
  }
  assert.equal((await health(charlie)).equity.toBigInt() - charlieBefore, usd(100));
  // A deposit of nothing is refused.
  await refused(api.tx.vaults.deposit(USD, 0, 0), dave, 'vaults.ZeroAmount', [dave]);
  await invariants();
});

test('Bob quotes, Charlie and Eve buy through the book, the runtime APIs show it', async () => {
  await ok(api.tx.orderbook.bulk(market, 0, [], [
    limit('Sell', 100.5, 20n * DAY), limit('Buy', 99.5, 20n * DAY),
  ]), bob);
  const depth = (await api.call.orderbookApi.depth(market, 5)).unwrap();
  assert.deepEqual(depth.asks.map(([p, q]) => [p.toBigInt(), q.toBigInt()]), [[fixed(100.5), 20n * DAY]]);
  assert.deepEqual(depth.bids.map(([p, q]) => [p.toBigInt(), q.toBigInt()]), [[fixed(99.5), 20n * DAY]]);
  // Charlie: 9 DAY with 100 USD, nine times levered (initial 10%: 90.45 of 100 used).
  const { events } = await ok(api.tx.orderbook.placeOrder(market, 0, limit('Buy', 100.5, 9n * DAY)), charlie);
  const traded = events.filter(({ event }) => api.events.orderbook.Traded.is(event));
  assert.equal(traded.length, 1);
  assert.equal(traded[0].event.data.quantity.toBigInt(), 9n * DAY);
  await ok(api.tx.orderbook.placeOrder(market, 0, limit('Buy', 100.5, 1n * DAY)), eve);
  const c = await health(charlie);
  assert.equal(c.positions[0].quantity.toBigInt(), 9n * DAY);
  assert.ok(!c.liquidatable.isTrue);
  assert.equal((await health(bob)).positions[0].quantity.toBigInt(), -10n * DAY);
  const left = (await api.call.orderbookApi.depth(market, 5)).unwrap();
  assert.deepEqual(left.asks.map(([p, q]) => [p.toBigInt(), q.toBigInt()]), [[fixed(100.5), 10n * DAY]]);
  await invariants();
});

test('every bad input is refused with its module error and changes nothing', async () => {
  const everyone = [bob, charlie, dave, eve];
  await refused(api.tx.orderbook.placeOrder(market, 0, limit('Buy', 100, 0n)), dave, 'orderbook.ZeroSize', everyone);
  // Beyond margin: 200 DAY at 99 on 1,000 USD (1,980 USD of initial margin).
  await refused(api.tx.orderbook.placeOrder(market, 0, limit('Buy', 99, 200n * DAY)), dave, 'margin.InsufficientMargin', everyone);
  // Charlie's whole deposit would leave his position unmargined.
  await refused(api.tx.vaults.withdraw(USD, usd(100), 0), charlie, 'margin.InsufficientMargin', everyone);
  // A price from an account that is not a feeder.
  await refused(api.tx.oracle.feed([{ key: toKey(KEY), price: fixed(50), vol: null }]), dave, 'oracle.NotFeeder', everyone);
  // A governance call from a signed account.
  await refused(api.tx.margin.setMarketRisk(market, {
    underlying: toKey(KEY), sizeDecimals: 3, initial: permill(1), maintenance: permill(1),
    initialAtFull: permill(1), openInterestFull: 0, funding: null,
  }), dave, 'BadOrigin', everyone);
  // A stop above the index would fire at once.
  await refused(api.tx.orderbook.placeConditional(market, stopSpec(101), null), eve, 'orderbook.TriggerOnWrongSide', everyone);
  await invariants();
});

/** Eve's stop: sell her 1 DAY at market (no worse than 80) when the index falls to `at`. */
function stopSpec(at) {
  return {
    sub: 0, kind: 'Stop', source: 'Index', triggerPrice: fixed(at),
    order: { ...limit('Sell', 80, 1n * DAY), orderType: { Market: { protectionPrice: fixed(80) } }, timeInForce: 'Ioc', reduceOnly: true },
    expiresAt: null,
  };
}

test('Eve protects her long with a stop-loss on the index, visible through the runtime API', async () => {
  const { events } = await ok(api.tx.orderbook.placeConditional(market, stopSpec(95), null), eve);
  assert.ok(events.some(({ event }) => api.events.orderbook.ConditionalPlaced.is(event)));
  const waiting = await api.call.orderbookApi.conditionalOrders(eve.address);
  assert.equal(waiting.length, 1);
  assert.equal(waiting[0].spec.triggerPrice.toBigInt(), fixed(95));
  assert.ok(waiting[0].fired.isFalse);
});

test('the price falls to 93: the stop fires, Charlie becomes liquidatable and a keeper liquidates him', async () => {
  // Bob moves his quotes down with the price, in one all-or-nothing call.
  const mine = (await api.call.orderbookApi.openOrders(market, acct(bob))).map((o) => ({ Id: o.id }));
  await ok(api.tx.orderbook.bulk(market, 0, mine, [limit('Sell', 93.5, 20n * DAY), limit('Buy', 92.5, 30n * DAY)]), bob);
  const fundBefore = await fundUsd();
  feed(['96', '93'], []);
  // The next blocks' idle time fires Eve's stop and places it (a block a transaction here).
  for (let i = 0; i < 3 && (await api.call.orderbookApi.conditionalOrders(eve.address)).length; i += 1) {
    await ok(api.tx.system.remark(`block ${i}`), dave);
  }
  assert.equal((await api.call.orderbookApi.conditionalOrders(eve.address)).length, 0, 'the stop did not fire');
  assert.equal((await health(eve)).positions.length, 0, 'Eve still holds DAY');
  // Charlie: 9 DAY bought at 100.5, marked near 93: below maintenance.
  const c = await health(charlie);
  assert.ok(c.liquidatable.isTrue, `Charlie is not liquidatable: equity ${c.equity}, maintenance ${c.maintenance}`);
  const { events } = await ok(api.tx.margin.liquidate(acct(charlie)), dave);
  const liq = events.find(({ event }) => api.events.margin.Liquidated.is(event));
  assert.ok(liq, 'no Margin.Liquidated');
  assert.equal(liq.event.data.keeper.toString(), dave.address);
  const after = await health(charlie);
  assert.ok(!after.liquidatable.isTrue, 'still liquidatable after the liquidation');
  assert.ok(after.positions.length === 0 || after.positions[0].quantity.toBigInt() < 9n * DAY);
  // The fund takes its share of the penalty.
  const penalty = liq.event.data.penalty.toBigInt();
  const fundAfter = await fundUsd();
  console.log(`liquidation: penalty ${penalty}, insurance fund ${fundBefore} -> ${fundAfter}`);
  if (penalty > 0n) assert.ok(fundAfter > fundBefore, 'the fund took nothing of the penalty');
  await invariants();
});

test('Bob withdraws what his margin allows and the asset arrives', async () => {
  const before = (await api.query.assets.account(USD_ASSET, bob.address)).unwrap().balance.toBigInt();
  const { events } = await ok(api.tx.vaults.withdraw(USD, usd(1_000), 0), bob);
  assert.ok(events.some(({ event }) => api.events.vaults.Withdrawn.is(event)));
  const after = (await api.query.assets.account(USD_ASSET, bob.address)).unwrap().balance.toBigInt();
  assert.equal(after - before, usd(1_000));
  await invariants();
});
