// What the client tests share: submitting a transaction and waiting for its block.

/**
 * Signs `tx` with `signer` and sends it; resolves with `{ blockHash, events }` of its inclusion
 * block, rejects with the dispatch error decoded by name (`dispatch failed: pallet.Error`) or
 * when it is not included within `timeoutMs`. A timed- or instant-seal dev chain may finalize at
 * once, so the status may skip `InBlock`.
 */
export function send(api, tx, signer, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not included in time')), timeoutMs);
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        clearTimeout(timer);
        const detail = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
        reject(new Error(`dispatch failed: ${detail ? `${detail.section}.${detail.name}` : dispatchError.toString()}`));
      } else if (status.isInBlock || status.isFinalized) {
        clearTimeout(timer);
        resolve({ blockHash: status.isInBlock ? status.asInBlock : status.asFinalized, events });
      }
    }).catch((e) => { clearTimeout(timer); reject(e); });
  });
}
