// Zombienet js-script: a transfer through a collator of the relay-backed network.
// Zombienet calls `run(nodeName, networkInfo)` and expects a truthy result.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

export async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const { wsUri } = networkInfo.nodesByName[nodeName];
  const api = await ApiPromise.create({ provider: new WsProvider(wsUri), noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const amount = 1_000_000_000_000n;
  const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
  await new Promise((resolve, reject) => {
    api.tx.balances.transferKeepAlive(bob.address, amount).signAndSend(alice, ({ status, dispatchError }) => {
      if (dispatchError) reject(new Error(dispatchError.toString()));
      if (status.isInBlock) resolve();
    }).catch(reject);
  });
  const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
  await api.disconnect();
  return after - before === amount;
}
