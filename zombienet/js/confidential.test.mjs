// A confidential account end to end against a running dev node, as a trader drives it: the
// wallet CLI (`clearinghouse-wallet`, the owner's prover) makes every proof, @polkadot/api
// submits the calls and reads the chain's side of each statement from `ConfidentialApi`.
//
//   cargo build --release -p clearinghouse-wallet
//   cd zombienet/js && npm ci && node --test confidential.test.mjs
//
// WS (default ws://127.0.0.1:9944) names the node, WALLET the CLI (default
// $CARGO_TARGET_DIR/release/clearinghouse-wallet). Alice and Bob shield, Alice sends Bob a hidden
// amount, Bob accepts and both unshield: the pool ends where it began, every public balance
// where the amounts say.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const WS = process.env.WS ?? 'ws://127.0.0.1:9944';
const WALLET = process.env.WALLET
  ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/clearinghouse/target'), 'release/clearinghouse-wallet');
const TIMEOUT_MS = 60_000;
const USD = 1_000_000n;

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
function send(tx, signer) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not included in time')), TIMEOUT_MS);
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        clearTimeout(timer);
        const detail = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : dispatchError;
        reject(new Error(`dispatch failed: ${detail.section ?? ''}.${detail.name ?? dispatchError.toString()}`));
      } else if (status.isInBlock || status.isFinalized) {
        clearTimeout(timer);
        resolve(events);
      }
    }).catch((e) => { clearTimeout(timer); reject(e); });
  });
}

const account = (pair) => ({ owner: pair.address, sub: 0 });
const encoded = (pair) => api.createType('(AccountId32, u8)', [pair.address, 0]).toHex();
const state = async (pair) => (await api.call.confidentialApi.state(account(pair))).unwrap();
const cash = async (pair) => {
  const ledger = await api.query.vaults.ledgers(account(pair));
  const usd = ledger.find(([id]) => id.toNumber() === 0);
  return usd ? usd[1].toBigInt() : 0n;
};

test('shield, transfer a hidden amount, accept and unshield: every proof from the wallet, every value where it should be', async () => {
  const [alice, bob] = ['//Alice', '//Bob'].map((uri) => keyring.addFromUri(uri));
  // Proofs are bound to this chain: the runtime knows its genesis hash from block 1 on.
  const genesis = api.genesisHash.toHex();
  const pool0 = (await api.call.confidentialApi.poolTotal()).toBigInt();

  for (const [name, pair, usd] of [['alice', alice, 100n], ['bob', bob, 10n]]) {
    await send(api.tx.vaults.deposit(0, usd * USD, 0), pair);
    assert.equal((await api.call.confidentialApi.genesis()).toHex(), genesis);
    const call = wallet(name, 'new', '--account', encoded(pair), '--genesis', genesis);
    await send(api.tx.confidential.enable(0, call.key, call.commitment, call.proof), pair);
    assert.equal((await state(pair)).commitment.toHex(), call.commitment);
    await send(api.tx.confidential.shield(0, usd * USD), pair);
    const after = wallet(name, 'shield', '--amount', `${usd * USD}`);
    assert.equal((await state(pair)).commitment.toHex(), after.commitment, `${name}'s wallet and the chain agree`);
  }
  assert.equal((await api.call.confidentialApi.poolTotal()).toBigInt() - pool0, 110n * USD);

  // Alice sends Bob 30 USD: nothing public says how much.
  const a = await state(alice);
  const t = wallet('alice', 'transfer', '--to', encoded(bob), '--to-key', (await state(bob)).key.toHex(),
    '--amount', `${30n * USD}`, '--version', a.version.toString(), '--floor', a.floor.toString());
  const events = await send(api.tx.confidential.transfer(0, account(bob), t.amount, t.sealed, t.proof), alice);
  const sent = events.find(({ event }) => api.events.confidential.TransferSent.is(event));
  assert.ok(sent, 'TransferSent');
  assert.ok(!JSON.stringify(sent.event.toJSON()).includes(`${30n * USD}`), 'no amount in the event');
  const id = sent.event.data.id.toNumber();

  // Bob opens it from his inbox, proves he can, and it is his.
  const pending = (await api.query.confidential.inbox(account(bob), id)).unwrap();
  const b = await state(bob);
  const acc = wallet('bob', 'accept', '--id', `${id}`, '--version', b.version.toString(),
    '--amount', pending.amount.toHex(), '--sealed', pending.sealed.toHex());
  await send(api.tx.confidential.accept(0, id, acc.proof), bob);
  assert.equal((await state(bob)).commitment.toHex(), acc.commitment);
  wallet('alice', 'delivered', '--amount', t.amount);

  // Both take everything out: 40 for Bob, 70 for Alice.
  for (const [name, pair, usd] of [['bob', bob, 40n], ['alice', alice, 70n]]) {
    const s = await state(pair);
    const before = await cash(pair);
    const u = wallet(name, 'unshield', '--amount', `${usd * USD}`, '--version', s.version.toString(),
      '--floor', s.floor.toString());
    await send(api.tx.confidential.unshield(0, usd * USD, u.proof), pair);
    assert.equal(await cash(pair) - before, usd * USD, `${name} gets ${usd} back`);
    assert.equal((await state(pair)).commitment.toHex(), u.commitment);
  }
  assert.equal((await api.call.confidentialApi.poolTotal()).toBigInt(), pool0, 'the pool ends where it began');
});
