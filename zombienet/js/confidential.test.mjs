// A confidential account end to end against a running dev node, as a trader drives it: the
// wallet CLI (`clearinghouse-wallet`, the owner's prover) makes every proof, @polkadot/api
// submits the calls and reads the chain's side of each statement from `ConfidentialApi`.
//
//   cargo build --release -p clearinghouse-wallet
//   cd zombienet/js && npm ci && node --test confidential.test.mjs
//
// WS (default ws://127.0.0.1:9944) names the node, WALLET the CLI (default
// $CARGO_TARGET_DIR/release/clearinghouse-wallet). With //Alice's sudo (the dev chain) the test
// lists a DOT perpetual and has //Ferdie feed it. Dave hides all his collateral and proves a
// price band with headroom: the margin engine counts the proven floor, and he trades on it with
// nothing public behind him. He proves a new band around his position, sends Eve a hidden amount
// out of what is above his floor, Eve accepts, and both unshield: every public balance and the
// pool end where the amounts say.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { send as sendTx } from './chain.mjs';

const WS = process.env.WS ?? 'ws://127.0.0.1:9944';
const WALLET = process.env.WALLET
  ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/clearinghouse/target'), 'release/clearinghouse-wallet');
const TIMEOUT_MS = 60_000;
const USD = 1_000_000n;
const FIXED = 10n ** 18n;
/** A price in thousandths as FixedU128's inner value. */
const milli = (m) => BigInt(m) * FIXED / 1000n;
/** An oracle key: the symbol's ASCII, zero-padded to 8 bytes. */
const key = (symbol) => '0x' + Buffer.concat([Buffer.from(symbol, 'ascii'), Buffer.alloc(8 - symbol.length)]).toString('hex');
const DOT = key('DOT');
const EPOCH_MS = 60_000n;

await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(WS), noInitWarn: true });
after(() => api.disconnect());
const keyring = new Keyring({ type: 'sr25519' });
const dir = mkdtempSync(join(tmpdir(), 'wallets-'));

/** Runs the wallet CLI on `who`'s wallet file; returns its JSON. */
function wallet(who, ...args) {
  const out = execFileSync(WALLET, ['--wallet', join(dir, `${who}.json`), ...args], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** Signs and sends `tx`; resolves with the inclusion block's events, rejects on a dispatch error. */
const send = async (tx, signer) => (await sendTx(api, tx, signer, TIMEOUT_MS)).events;

const account = (pair) => ({ owner: pair.address, sub: 0 });
const encoded = (pair) => api.createType('(AccountId32, u8)', [pair.address, 0]).toHex();
const state = async (pair) => (await api.call.confidentialApi.state(account(pair))).unwrap();
const cash = async (pair) => {
  const ledger = await api.query.vaults.ledgers(account(pair));
  const usd = ledger.find(([id]) => id.toNumber() === 0);
  return usd ? usd[1].toBigInt() : 0n;
};

/** What `pair` has on hold for confidential inbox entries. */
const inboxDeposits = async (pair) => (await api.query.balances.holds(pair.address))
  .filter((h) => h.id.isConfidential && h.id.asConfidential.isInboxEntry)
  .reduce((sum, h) => sum + h.amount.toBigInt(), 0n);

/** Lists a DOT perpetual (10% initial, 5% maintenance) and has Ferdie feed DOT at `price`. */
async function dotMarket(price) {
  const [alice, ferdie] = ['//Alice', '//Ferdie'].map((uri) => keyring.addFromUri(uri));
  const market = (await api.query.orderbook.counterForMarkets()).toNumber();
  const calls = [
    api.tx.orderbook.createMarket({
      underlying: DOT, kind: 'Perpetual', tickSize: milli(1), lotSize: 1_000,
      params: { minSize: 1_000, makerFee: 0, takerFee: 0, maxOpenOrders: 20 }, status: 'Active',
    }),
    api.tx.margin.setMarketRisk(market, {
      underlying: DOT, sizeDecimals: 3, initial: 100_000, maintenance: 50_000, initialAtFull: 100_000,
      openInterestFull: 0, funding: null,
    }),
    api.tx.oracle.setKey(DOT, {
      minQuorum: 1, maxAge: 600_000, maxDeviation: 100_000, breakerWindow: 300_000, emaHalfLife: 60_000,
      hasVol: false,
    }),
  ];
  if ((await api.query.oracle.feeders(ferdie.address)).isNone) calls.push(api.tx.oracle.addFeeder(ferdie.address));
  await send(api.tx.sudo.sudo(api.tx.utility.batchAll(calls)), alice);
  await send(api.tx.oracle.feed([{ key: DOT, price, vol: null }]), ferdie);
  return market;
}

/** A limit order of `quantity` (thousandths of DOT) at `price`, resting until filled. */
const order = (side, quantity, price) => ({
  side, orderType: { Limit: { price } }, quantity, timeInForce: 'Gtc', reduceOnly: false, clientId: null,
  selfTrade: 'CancelResting',
});

/**
 * Proves `pair`'s band [low, high] with `headroom` from the chain's quote, in an epoch with at
 * least half of it left (a proof names the epoch it lands in); returns the quote.
 */
async function proveBand(name, pair, low, high, headroom) {
  // The dev chain's clock follows the wall clock (and it may make no block while idle, so its
  // last timestamp says nothing of the next): wait, at most half an epoch, for a fresh half.
  const intoEpoch = BigInt(Date.now()) % EPOCH_MS;
  if (intoEpoch >= EPOCH_MS / 2n) await new Promise((ok) => setTimeout(ok, Number(EPOCH_MS - intoEpoch) + 1_000));
  const quoted = await api.call.confidentialApi.bandQuote(account(pair), DOT, low, high, headroom);
  assert.ok(quoted.isOk, `the band is refused: ${JSON.stringify(quoted.toHuman())}`);
  const quote = quoted.asOk;
  const p = wallet(name, 'band', '--underlying', 'DOT', '--low', `${low}`, '--high', `${high}`,
    '--headroom', `${headroom}`, '--surplus-low', quote.surplusLow.toString(),
    '--surplus-high', quote.surplusHigh.toString(), '--version', quote.version.toString(),
    // The epoch of the block it will land in: the wall clock's (the quote's is the best
    // block's, which on an idle dev chain may be an epoch old).
    '--epoch', (BigInt(Date.now()) / EPOCH_MS).toString());
  const events = await send(api.tx.confidential.proveBand(0, DOT, low, high, headroom, p.proof), pair);
  const proven = events.find(({ event }) => api.events.confidential.BandProven.is(event));
  assert.ok(proven, 'BandProven');
  assert.equal(proven.event.data.floor.toBigInt(), quote.floor.toBigInt(), 'the floor is the quoted one');
  return quote;
}

test('shield, prove a band, trade on it, transfer a hidden amount, accept and unshield: every proof from the wallet', async () => {
  // Dave trades and sends, Eve receives, Ferdie feeds DOT and takes the other side: the accounts
  // `dev-chain.test.mjs` reads stay as it expects on a node both run against.
  const [dave, eve, ferdie] = ['//Dave', '//Eve', '//Ferdie'].map((uri) => keyring.addFromUri(uri));
  // Proofs are bound to this chain: the runtime knows its genesis hash from block 1 on.
  const genesis = api.genesisHash.toHex();
  const pool0 = (await api.call.confidentialApi.poolTotal()).toBigInt();
  const market = await dotMarket(milli(7_000));

  for (const [name, pair, usd] of [['dave', dave, 1_000n], ['eve', eve, 10n]]) {
    await send(api.tx.vaults.deposit(0, usd * USD, 0), pair);
    assert.equal((await api.call.confidentialApi.genesis()).toHex(), genesis);
    const call = wallet(name, 'new', '--account', encoded(pair), '--genesis', genesis);
    await send(api.tx.confidential.enable(0, call.key, call.commitment, call.proof), pair);
    assert.equal((await state(pair)).commitment.toHex(), call.commitment);
    await send(api.tx.confidential.shield(0, usd * USD), pair);
    const after = wallet(name, 'shield', '--amount', `${usd * USD}`);
    assert.equal((await state(pair)).commitment.toHex(), after.commitment, `${name}'s wallet and the chain agree`);
  }
  assert.equal(await cash(dave), 0n, 'nothing of Dave is public');
  assert.equal((await api.call.confidentialApi.poolTotal()).toBigInt() - pool0, 1_010n * USD);

  // Ferdie offers 500 DOT at 7; with nothing public behind him, Dave cannot take it.
  await send(api.tx.vaults.deposit(0, 10_000n * USD, 0), ferdie);
  await send(api.tx.orderbook.placeOrder(market, 0, order('Sell', 500_000, milli(7_000))), ferdie);
  await assert.rejects(send(api.tx.orderbook.placeOrder(market, 0, order('Buy', 500_000, milli(7_000))), dave),
    /margin\.InsufficientMargin/);

  // He proves [6.5, 7.5] with 500 USD of headroom: his floor, 500, is collateral now.
  const first = await proveBand('dave', dave, milli(6_500), milli(7_500), 500n * USD);
  assert.equal(first.floor.toBigInt(), 500n * USD);
  const view = await state(dave);
  assert.equal(view.floor.toBigInt(), 500n * USD);
  assert.equal(view.band.unwrap().low.toBigInt(), milli(6_500));
  assert.ok(view.graceUntil.isNone);
  await send(api.tx.orderbook.placeOrder(market, 0, order('Buy', 500_000, milli(7_000))), dave);
  const [position] = await api.query.margin.accounts(account(dave));
  assert.equal(position.quantity.toBigInt(), 500_000n, 'long 500 DOT on his proven floor');

  // A band around the position itself, no headroom: at 6.8 he would be 100 down with 340 of
  // initial margin to hold, so his floor becomes 440 and 560 of his 1,000 is free.
  const second = await proveBand('dave', dave, milli(6_800), milli(7_200), 0n);
  assert.equal(second.surplusLow.toBigInt(), -440n * USD);
  assert.equal(second.surplusHigh.toBigInt(), 100n * USD - 360n * USD);
  assert.equal(second.floor.toBigInt(), 440n * USD);

  // Dave sends Eve 30 USD out of what is above his floor: nothing public says how much.
  const a = await state(dave);
  const t = wallet('dave', 'transfer', '--to', encoded(eve), '--to-key', (await state(eve)).key.toHex(),
    '--amount', `${30n * USD}`, '--version', a.version.toString(), '--floor', a.floor.toString());
  const events = await send(api.tx.confidential.transfer(0, account(eve), t.amount, t.sealed, t.proof), dave);
  const sent = events.find(({ event }) => api.events.confidential.TransferSent.is(event));
  assert.ok(sent, 'TransferSent');
  assert.ok(!JSON.stringify(sent.event.toJSON()).includes(`${30n * USD}`), 'no amount in the event');
  const id = sent.event.data.id.toNumber();
  // Dave pays for the inbox entry: a deposit on hold until it leaves the inbox.
  const deposit = api.consts.confidential.inboxDeposit.toBigInt();
  assert.ok(deposit > 0n);
  assert.equal(await inboxDeposits(dave), deposit);

  // Eve opens it from her inbox, proves she can, and it is hers.
  const pending = (await api.query.confidential.inbox(account(eve), id)).unwrap();
  const b = await state(eve);
  const acc = wallet('eve', 'accept', '--id', `${id}`, '--version', b.version.toString(),
    '--amount', pending.amount.toHex(), '--sealed', pending.sealed.toHex());
  await send(api.tx.confidential.accept(0, id, acc.proof), eve);
  assert.equal((await state(eve)).commitment.toHex(), acc.commitment);
  wallet('dave', 'delivered', '--amount', t.amount);
  assert.equal(await inboxDeposits(dave), 0n, 'the deposit is back');

  // Eve takes her 40 out; Dave takes out 500, all that is above his floor of 440 but 30.
  for (const [name, pair, usd] of [['eve', eve, 40n], ['dave', dave, 500n]]) {
    const s = await state(pair);
    const before = await cash(pair);
    const u = wallet(name, 'unshield', '--amount', `${usd * USD}`, '--version', s.version.toString(),
      '--floor', s.floor.toString());
    await send(api.tx.confidential.unshield(0, usd * USD, u.proof), pair);
    assert.equal(await cash(pair) - before, usd * USD, `${name} gets ${usd} back`);
    assert.equal((await state(pair)).commitment.toHex(), u.commitment);
  }
  // What stays hidden: Dave's 470 (his floor, 440, and 30), Eve's nothing.
  assert.equal((await api.call.confidentialApi.poolTotal()).toBigInt() - pool0, 470n * USD);
  assert.equal((await state(dave)).floor.toBigInt(), 440n * USD);
});
