// Zombienet js-script: a transfer through a collator of the relay-backed network.
//
// Zombienet calls `run(nodeName, networkInfo)`. It only compares the returned value when the
// .zndsl line names one (`return is 1`), so a failure here throws instead of returning false:
// a thrown error fails the zndsl line whatever it compares.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const AMOUNT = 1_000_000_000_000n; // 1 CLR

export async function run(nodeName, networkInfo) {
  await cryptoWaitReady();
  const { wsUri } = networkInfo.nodesByName[nodeName];
  const api = await ApiPromise.create({ provider: new WsProvider(wsUri), noInitWarn: true });
  try {
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    const bob = keyring.addFromUri('//Bob');

    const bobBefore = (await api.query.system.account(bob.address)).data.free.toBigInt();
    const blockHash = await new Promise((resolve, reject) => {
      api.tx.balances
        .transferKeepAlive(bob.address, AMOUNT)
        .signAndSend(alice, ({ status, dispatchError }) => {
          if (dispatchError) reject(new Error(`transfer failed: ${dispatchError.toString()}`));
          else if (status.isInBlock) resolve(status.asInBlock);
        })
        .catch(reject);
    });

    // Read at the inclusion block, so later blocks cannot change what is compared.
    const atBlock = await api.at(blockHash);
    const bobAfter = (await atBlock.query.system.account(bob.address)).data.free.toBigInt();
    if (bobAfter - bobBefore !== AMOUNT) {
      throw new Error(`Bob received ${bobAfter - bobBefore}, expected ${AMOUNT}`);
    }
    const events = await atBlock.query.system.events();
    const transferred = events.some(({ event }) =>
      api.events.balances.Transfer.is(event) &&
      event.data.from.eq(alice.address) &&
      event.data.to.eq(bob.address) &&
      event.data.amount.toBigInt() === AMOUNT);
    if (!transferred) throw new Error(`no Balances.Transfer(Alice -> Bob, ${AMOUNT}) in ${blockHash}`);
    console.log(`transfer of ${AMOUNT} included in ${blockHash.toHex()} through ${nodeName}`);
    return 1;
  } finally {
    await api.disconnect();
  }
}
