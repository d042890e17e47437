// End-to-end client test against a running dev node (`clearinghouse-node --dev`).
//
//   cd zombienet/js && npm ci && npm run test:dev        # WS=ws://127.0.0.1:9944 by default
//
// It checks what a Polkadot.js user relies on: the metadata exposes the chain's pallets and the
// token properties, a signed transfer from //Alice to //Bob is included with the balances and
// the event it should have, the chain clock follows the wall clock, and the margin runtime API
// (version 5: the settlement, option, portfolio risk-array and simulator views) is decorated and
// callable.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { send } from './chain.mjs';

const WS = process.env.WS ?? 'ws://127.0.0.1:9944';
const TIMEOUT_MS = 60_000;

await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(WS), noInitWarn: true });
after(() => api.disconnect());

const keyring = new Keyring({ type: 'sr25519' });
const alice = keyring.addFromUri('//Alice');
const bob = keyring.addFromUri('//Bob');

test('metadata exposes the chain pallets and the native token', async () => {
  const pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
  for (const name of [
    'System', 'ParachainSystem', 'Balances', 'TransactionPayment', 'Assets', 'ForeignAssets',
    'Aura', 'CollatorSelection', 'Session', 'XcmpQueue', 'PolkadotXcm', 'MessageQueue',
    'Utility', 'Multisig', 'Proxy', 'Scheduler', 'Preimage', 'Referenda', 'ConvictionVoting',
    'Origins', 'GuardianCouncil', 'TxPause', 'Parameters',
  ]) {
    assert.ok(pallets.includes(name), `pallet ${name} missing from metadata: ${pallets}`);
  }
  assert.ok(api.runtimeMetadata.version >= 14, `metadata v${api.runtimeMetadata.version}`);
  const props = api.registry.getChainProperties();
  assert.equal(props.tokenSymbol.unwrap()[0].toString(), 'CLR');
  assert.equal(props.tokenDecimals.unwrap()[0].toNumber(), 12);
  assert.equal(api.runtimeVersion.specName.toString(), 'clearinghouse');
});

const sendAndWaitInBlock = (tx, signer) => send(api, tx, signer, TIMEOUT_MS);

test('a transfer from Alice to Bob is included with balances and event', async () => {
  const amount = 1_234_000_000_000n; // 1.234 CLR
  const before = await api.query.system.account.multi([alice.address, bob.address]);
  const [aliceBefore, bobBefore] = before.map((a) => a.data.free.toBigInt());

  const { blockHash, events } = await sendAndWaitInBlock(
    api.tx.balances.transferKeepAlive(bob.address, amount), alice);

  const transfer = events.find(({ event }) => api.events.balances.Transfer.is(event));
  assert.ok(transfer, 'no Balances.Transfer event');
  const [from, to, value] = transfer.event.data;
  assert.equal(from.toString(), alice.address);
  assert.equal(to.toString(), bob.address);
  assert.equal(value.toBigInt(), amount);

  const feeEvent = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
  assert.ok(feeEvent, 'no TransactionFeePaid event');
  const [payer, actualFee, tip] = feeEvent.event.data;
  assert.equal(payer.toString(), alice.address);
  assert.equal(tip.toBigInt(), 0n);
  const fee = actualFee.toBigInt(); // includes the (zero) tip
  assert.ok(fee > 0n, 'a signed transfer pays a fee');

  const at = await api.at(blockHash);
  const after = await at.query.system.account.multi([alice.address, bob.address]);
  const [aliceAfter, bobAfter] = after.map((a) => a.data.free.toBigInt());
  assert.equal(bobAfter - bobBefore, amount, 'Bob receives exactly the amount');
  assert.equal(aliceBefore - aliceAfter, amount + fee, 'Alice pays the amount plus the fee');
});

test('the chain clock follows the wall clock, whatever the block rate', async () => {
  // Several blocks over a few seconds: instant seal makes one per transaction, a timed seal
  // (`--dev-block-time`) one per interval. Before the dev clock followed the wall clock each
  // block advanced it a relay slot (6 s), so five blocks would have moved it 30 s.
  const stamp = async () => ({
    wall: Date.now(),
    chain: (await api.query.timestamp.now()).toNumber(),
    block: (await api.rpc.chain.getHeader()).number.toNumber(),
  });
  // Stamp right after an inclusion, so the chain's last timestamp is fresh.
  await sendAndWaitInBlock(api.tx.system.remark('clock start'), alice);
  const start = await stamp();
  for (let i = 0; i < 5; i++) {
    await sendAndWaitInBlock(api.tx.system.remark(`clock ${i}`), alice);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const end = await stamp();
  const blocks = end.block - start.block;
  assert.ok(blocks >= 5, `only ${blocks} blocks`);
  const wall = end.wall - start.wall;
  const chain = end.chain - start.chain;
  // The chain's time lags the wall clock by at most one block interval at each end.
  const slack = Number(process.env.CLOCK_SLACK_MS ?? 7_000);
  assert.ok(Math.abs(chain - wall) <= slack,
    `chain clock moved ${chain} ms over ${blocks} blocks while the wall clock moved ${wall} ms`);
  // And it is not ahead of the wall clock.
  assert.ok(end.chain <= Date.now(), `chain time ${end.chain} is ahead of the wall clock`);
});

test('the margin runtime API is decorated, settlement, option, risk-array and simulator views included (API version 5)', async () => {
  // A runtime API's id is the 8-byte blake2 hash of its name.
  const id = blake2AsHex('MarginApi', 64);
  const margin = api.runtimeVersion.apis.find(([apiId]) => apiId.toHex() === id);
  assert.ok(margin, `MarginApi (${id}) missing from the runtime version`);
  assert.equal(margin[1].toNumber(), 5);
  assert.ok(api.call.marginApi, 'marginApi missing from the decorated runtime calls');
  for (const name of ['settlement', 'optionQuote', 'optionChain', 'optionPositions', 'greeksByUnderlying', 'riskArray', 'simulate']) {
    assert.equal(typeof api.call.marginApi[name], 'function', `marginApi.${name} missing`);
  }
  // Market 4,000,000 does not exist: a perpetual or an unknown market has no settlement and
  // no option quote.
  const none = await api.call.marginApi.settlement(4_000_000);
  assert.ok(none.isNone, `expected None, got ${none.toString()}`);
  assert.ok((await api.call.marginApi.optionQuote(4_000_000)).isNone);
  // The dev chain lists no options: an empty chain, and Alice holds none.
  const chain = await api.call.marginApi.optionChain('0x4254430000000000');
  assert.equal(chain.length, 0);
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice').address;
  const account = { owner: alice, sub: 0 };
  assert.equal((await api.call.marginApi.optionPositions(account)).length, 0);
  assert.equal((await api.call.marginApi.greeksByUnderlying(account)).length, 0);
  // No portfolio model is set on a fresh dev chain: no risk array.
  assert.ok((await api.call.marginApi.riskArray(account)).isNone);
});

test('the simulator values a hypothetical deposit, names an unknown market and the ledger\'s refusal, and changes nothing', async () => {
  const who = { owner: keyring.addFromUri('//Charlie').address, sub: 0 };
  const usd = (n) => BigInt(n) * 1_000_000n;
  const before = await api.query.vaults.ledgers(who);
  // 1,000 USD (collateral 0, the settlement asset, at par) deposited: equity and free
  // collateral rise by exactly that, nothing is required, no portfolio model to compare.
  const sim = await api.call.marginApi.simulate(who, [], [{ collateral: 0, amount: usd(1_000) }]);
  assert.ok(sim.isOk, `expected Ok, got ${sim.toString()}`);
  const ok = sim.asOk;
  assert.equal(ok.after.equity.toBigInt() - ok.before.equity.toBigInt(), usd(1_000));
  assert.equal(ok.after.freeCollateral.toBigInt(), ok.after.equity.toBigInt());
  assert.equal(ok.after.initial.toBigInt(), 0n);
  assert.ok(ok.portfolio.isNone && ok.riskArray.isNone);
  assert.deepEqual(ok.standard.toJSON(), ok.after.toJSON());
  // A trade in a market that does not exist: the error names it.
  const unknown = await api.call.marginApi.simulate(who, [{ market: 4_000_000, quantity: 1, price: null }], []);
  assert.ok(unknown.isErr && unknown.asErr.isUnknownMarket, unknown.toString());
  assert.equal(unknown.asErr.asUnknownMarket.toNumber(), 4_000_000);
  // A withdrawal of more than the account holds: the ledger's own error, decodable by name.
  const over = await api.call.marginApi.simulate(who, [], [{ collateral: 0, amount: -1n }]);
  assert.ok(over.isErr && over.asErr.isCollateral, over.toString());
  const { section, name } = api.registry.findMetaError(over.asErr.asCollateral.asModule);
  assert.equal(`${section}.${name}`, 'vaults.InsufficientBalance');
  // Nothing was written.
  assert.equal((await api.query.vaults.ledgers(who)).toHex(), before.toHex());
});
