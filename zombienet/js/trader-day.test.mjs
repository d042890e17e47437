// A trader's day on a running chain, through Polkadot.js only (issue 20's scenario). Against a
// `--dev` node (instant or timed seal):
//
//   cd zombienet/js && npm ci && WS=ws://127.0.0.1:9944 node --test trader-day.test.mjs
//
// The steps share one chain and run in order: the market is listed and priced (the feeder tool
// feeds the oracle), governance registers a new collateral (the sibling parachain's USDT) that a
// trader then deposits, four traders deposit, quote and trade, every bad input on the way is
// refused with its module error and changes nothing, a stop-loss waits on chain, the price
// falls, the stop fires and the over-levered trader is liquidated permissionlessly (by a keeper,
// or by the chain's idle-time sweep if it gets there first), and the maker withdraws. After each step the invariants are read
// from storage: for every collateral the vault's ledgers sum to what it records and to what it
// holds of the asset, and open interest is the same long and short.

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

// The new collateral: USDT of the sibling parachain 1000 (Asset Hub's id), its `Assets` pallet
// (50) asset 1984, as this chain names it; 6 decimals, priced by the oracle key USDT.
const SIBLING = 1000;
const USDT_KEY = 'USDT';
const usdtLocation = {
  parents: 1,
  interior: { X3: [{ Parachain: SIBLING }, { PalletInstance: 50 }, { GeneralIndex: 1984 }] },
};
const siblingLocation = { parents: 1, interior: { X1: [{ Parachain: SIBLING }] } };

let market;
let usdtId;

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

/** Sudo's own result, and that of every `utility.dispatchAs` inside it (which reports its
 * call's result in an event, not in its own): a failure's error by name. */
function sudid(events) {
  const done = events.find(({ event }) => api.events.sudo.Sudid.is(event));
  assert.ok(done, 'no Sudo.Sudid event');
  const results = [done, ...events.filter(({ event }) => api.events.utility.DispatchedAs.is(event))];
  for (const { event } of results) {
    const result = event.data[0];
    if (result.isErr) {
      const err = result.asErr;
      const meta = err.isModule ? api.registry.findMetaError(err.asModule) : null;
      assert.fail(`${event.section}.${event.method}: ${meta ? `${meta.section}.${meta.name}` : err.toString()}`);
    }
  }
}

/** The feeder tool, feeding DAY at each of `prices` in turn (three feeders), USDT at 1 in every
 * round (its collateral stays priced). */
function feed(prices, setUp) {
  const dir = mkdtempSync(join(tmpdir(), 'trader-day-'));
  const csv = join(dir, 'day.csv');
  const t0 = Date.now();
  const rows = prices.flatMap((p, i) => [`${t0 + i * 1000},${KEY},${p},`, `${t0 + i * 1000},${USDT_KEY},1,`]);
  writeFileSync(csv, ['timestamp,key,price,vol', ...rows].join('\n'));
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

/** A sibling parachain's sovereign account here: `sibl` and its id, little-endian, padded. */
function siblingSovereign(id) {
  const raw = new Uint8Array(32);
  raw.set(stringToU8a('sibl'));
  new DataView(raw.buffer).setUint32(4, id, true);
  return encodeAddress(raw, api.registry.chainSS58);
}

/** `account`'s USD in the vault's ledger (negative: it owes settlement cash). */
async function ledgerUsd(account) {
  for (const [id, balance] of await api.query.vaults.ledgers(account)) {
    if (id.toNumber() === USD) return balance.toBigInt();
  }
  return 0n;
}

/** The insurance fund's margin account: the margin engine's sub-account 2 (`INSURANCE_SUB`). */
const fundAccount = () => ({ owner: palletAccount(stringToU8a('clr/mrgn')), sub: 2 });
const fundUsd = () => ledgerUsd(fundAccount());

/** What the vault's account holds of collateral `id`'s asset, and whether it is the native
 * token (CLR: the account also holds its existential deposit, so it holds at least the ledgers'
 * sum; of a pallet-assets asset it holds exactly that). */
async function vaultHolding(id) {
  const asset = (await api.query.vaults.collateralAssets(id)).unwrap();
  if (asset.isNative) return { native: true, amount: (await api.query.system.account(vaultAccount())).data.free.toBigInt() };
  const account = asset.isLocal
    ? await api.query.assets.account(asset.asLocal, vaultAccount())
    : await api.query.foreignAssets.account(asset.asForeign, vaultAccount());
  return { native: false, amount: account.isSome ? account.unwrap().balance.toBigInt() : 0n };
}

/** Invariants read from storage: for every collateral the ledgers sum to what the vault records
 * and to what it holds of the asset, and each market's open interest equals the longs and the
 * shorts. */
async function invariants() {
  const sums = new Map();
  for (const [, ledger] of await api.query.vaults.ledgers.entries()) {
    for (const [id, balance] of ledger) {
      sums.set(id.toNumber(), (sums.get(id.toNumber()) ?? 0n) + balance.toBigInt());
    }
  }
  for (const [key, info] of await api.query.vaults.collaterals.entries()) {
    const id = key.args[0].toNumber();
    const held = info.unwrap().held.toBigInt();
    const sum = sums.get(id) ?? 0n;
    assert.equal(sum, held, `collateral ${id}: ledgers sum to ${sum}, the vault records ${held} held`);
    const { native, amount } = await vaultHolding(id);
    if (native) assert.ok(amount >= held, `CLR: the vault holds ${amount}, records ${held}`);
    else assert.equal(amount, held, `collateral ${id}: the vault holds ${amount} of the asset, records ${held}`);
  }
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

/** `pair`'s equity in settlement units (zero for an account the margin engine has no record of). */
async function equity(pair) {
  const h = await api.call.marginApi.accountHealth(acct(pair));
  return h.isSome ? h.unwrap().equity.toBigInt() : 0n;
}

test('governance registers the sibling\'s USDT as collateral; a deposit of it counts at its haircut', async () => {
  const sovereign = siblingSovereign(SIBLING);
  const config = {
    oracleKey: toKey(USDT_KEY), decimals: 6, haircut: permill(2),
    depositCap: usd(1_000_000), accountCap: usd(100_000), status: 'Active',
  };
  // Only governance registers collateral.
  await refused(api.tx.vaults.registerCollateral({ Foreign: usdtLocation }, config), dave, 'BadOrigin', [dave]);
  assert.ok((await api.query.vaults.collateralIdOf({ Foreign: usdtLocation })).isNone);
  // The README's one `root` call: the asset, owned by the reserve's sovereign account (only the
  // reserve mints its derivative), the sibling as its only trusted reserve, the collateral.
  const { events } = await ok(api.tx.sudo.sudo(api.tx.utility.batchAll([
    api.tx.foreignAssets.forceCreate(usdtLocation, sovereign, true, 10_000),
    api.tx.utility.dispatchAs({ system: { Signed: sovereign } },
      api.tx.foreignAssets.setReserves(usdtLocation, [{ reserve: siblingLocation, teleportable: false }])),
    api.tx.vaults.registerCollateral({ Foreign: usdtLocation }, config),
  ])), alice);
  sudid(events);
  const registered = events.find(({ event }) => api.events.vaults.CollateralRegistered.is(event));
  assert.ok(registered, 'no Vaults.CollateralRegistered');
  usdtId = registered.event.data.id.toNumber();
  assert.equal((await api.query.vaults.collateralIdOf({ Foreign: usdtLocation })).unwrap().toNumber(), usdtId);
  assert.equal((await api.query.vaults.collaterals(usdtId)).unwrap().config.haircut.toNumber(), permill(2));
  // A second registration of the same asset is refused.
  const again = await send(api, api.tx.sudo.sudo(api.tx.vaults.registerCollateral({ Foreign: usdtLocation }, config)), alice, TIMEOUT_MS);
  const result = again.events.find(({ event }) => api.events.sudo.Sudid.is(event)).event.data[0];
  assert.ok(result.isErr && api.registry.findMetaError(result.asErr.asModule).name === 'AlreadyRegistered');
  // A dev chain has no reserve: the tokens are minted here as the sovereign account would on a
  // reserve transfer's arrival (the network test sends them over XCM).
  const mint = api.tx.foreignAssets.mint(usdtLocation, alice.address, usd(500));
  sudid((await ok(api.tx.sudo.sudo(api.tx.utility.dispatchAs({ system: { Signed: sovereign } }, mint)), alice)).events);
  const before = await equity(alice);
  const { events: deposited } = await ok(api.tx.vaults.deposit(usdtId, usd(500), 0), alice);
  assert.ok(deposited.some(({ event }) => api.events.vaults.Deposited.is(event)));
  const wallet = await api.query.foreignAssets.account(usdtLocation, alice.address);
  assert.ok(wallet.isNone || wallet.unwrap().balance.toBigInt() === 0n, 'the wallet kept USDT');
  // 500 USDT at 1 USD, less the 2% haircut.
  assert.equal(await equity(alice) - before, usd(490));
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

/** Every event of the blocks from `from` to the best one, in order. */
async function eventsSince(from) {
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const all = [];
  for (let n = from; n <= best; n += 1) {
    const at = await api.at(await api.rpc.chain.getBlockHash(n));
    all.push(...(await at.query.system.events()));
  }
  return all;
}

/** `pair` liquidated permissionlessly: by Dave as a keeper, unless the chain's own idle-time
 * sweep got there first (it runs in every block with room, the block of the price move
 * included); the `Margin.Liquidated` events of `pair` since block `from`. */
async function liquidated(pair, from) {
  if ((await health(pair)).liquidatable.isTrue) {
    await send(api, api.tx.margin.liquidate(acct(pair)), dave, TIMEOUT_MS).catch((e) => {
      assert.match(e.message, /margin\.NotLiquidatable/);
    });
  }
  const events = (await eventsSince(from)).filter(({ event }) =>
    api.events.margin.Liquidated.is(event) && event.data.account.owner.toString() === pair.address);
  assert.ok(events.length, `no Margin.Liquidated of ${pair.address}`);
  for (const { event } of events) {
    const keeper = event.data.keeper.isSome ? event.data.keeper.unwrap().toString() : null;
    assert.ok(keeper === null || keeper === dave.address, `liquidated by ${keeper}`);
    console.log(`liquidation of ${pair.address}: ${keeper ? 'by the keeper' : 'by the idle-time sweep'}`);
  }
  return events.map(({ event }) => event.data);
}

test('the price falls to 93: the stop fires, Charlie becomes liquidatable and is liquidated permissionlessly', async () => {
  // Bob moves his quotes down with the price, in one all-or-nothing call.
  const mine = (await api.call.orderbookApi.openOrders(market, acct(bob))).map((o) => ({ Id: o.id }));
  await ok(api.tx.orderbook.bulk(market, 0, mine, [limit('Sell', 93.5, 20n * DAY), limit('Buy', 92.5, 30n * DAY)]), bob);
  const fundBefore = await fundUsd();
  const from = (await api.rpc.chain.getHeader()).number.toNumber() + 1;
  feed(['96', '93'], []);
  // The next blocks' idle time fires Eve's stop and places it (a block a transaction here).
  for (let i = 0; i < 3 && (await api.call.orderbookApi.conditionalOrders(eve.address)).length; i += 1) {
    await ok(api.tx.system.remark(`block ${i}`), dave);
  }
  assert.equal((await api.call.orderbookApi.conditionalOrders(eve.address)).length, 0, 'the stop did not fire');
  assert.equal((await health(eve)).positions.length, 0, 'Eve still holds DAY');
  // Charlie: 9 DAY bought at 100.5, marked near 93: below maintenance.
  const [liq] = await liquidated(charlie, from);
  const after = await health(charlie);
  assert.ok(!after.liquidatable.isTrue, 'still liquidatable after the liquidation');
  assert.ok(after.positions.length === 0 || after.positions[0].quantity.toBigInt() < 9n * DAY);
  // The fund takes its share of the penalty.
  const penalty = liq.penalty.toBigInt();
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
