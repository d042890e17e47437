//! A confidential account's wallet: what only its owner knows — the opening `(c, r)` of its
//! hidden balance and the secret of its encryption key — and the proofs the confidential pallet
//! verifies, built against the statements the pallet builds (`pallets/confidential/README.md`).
//!
//! The chain's side of every statement (the account's SCALE encoding, the genesis hash, the
//! commitment's version and floor, a band's surpluses, a transfer's id) comes from the runtime
//! API (`ConfidentialApi`) through the caller; the wallet never talks to a node, so a client in
//! any language can drive it through the `clearinghouse-wallet` CLI's JSON.

use chacha20poly1305::{
	aead::{Aead, KeyInit},
	ChaCha20Poly1305, Nonce,
};
use clearinghouse_zk::{
	prover::{self, Opening},
	Commitment, Operation, Scalar, Statement,
};
use codec::{Compact, Encode};
use rand::{rngs::OsRng, RngCore};
use serde::{Deserialize, Serialize};
use x25519_dalek::{PublicKey, StaticSecret};

/// Bytes of a sealed opening: an ephemeral x25519 key, a nonce, the value and blinding
/// (8 + 32 bytes) and the AEAD tag.
pub const SEALED_LEN: usize = 32 + 12 + 40 + 16;

/// Why the wallet could not do what was asked.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
	/// The hidden balance (less the floor, where it must stay) is below the amount: no proof
	/// can be made.
	Insufficient,
	/// A sealed opening this wallet's key does not open, or that does not open the commitment
	/// it came with.
	NotOurs,
	/// The proof could not be made (an input outside the protocol's ranges).
	Proof(clearinghouse_zk::Error),
	/// Malformed stored or given bytes.
	Malformed,
}

/// The wallet file: everything hex, so it reads and diffs as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
	/// The account as the chain SCALE-encodes it (owner, sub-account).
	pub account: String,
	/// The chain's genesis hash.
	pub genesis: String,
	/// The x25519 secret openings sent to this account are sealed to.
	pub secret: String,
	/// The hidden balance.
	pub value: u64,
	/// Its blinding (a scalar's 32 bytes).
	pub blinding: String,
	/// Transfers sent and not yet accepted, by the amount's commitment: their openings, to
	/// take back what returns.
	pub outgoing: Vec<Outgoing>,
}

/// A transfer this wallet sent, kept until it is accepted or comes back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
	/// The amount's commitment (hex).
	pub commitment: String,
	/// The amount.
	pub value: u64,
	/// Its blinding (hex).
	pub blinding: String,
}

/// The arguments of `confidential.enable`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnableCall {
	/// The encryption key (hex).
	pub key: String,
	/// The commitment to zero (hex).
	pub commitment: String,
	/// Its opening proof (hex, 64 bytes).
	pub proof: String,
}

/// The arguments of `confidential.transfer` (besides the receiver).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TransferCall {
	/// The amount's commitment (hex).
	pub amount: String,
	/// The amount's opening sealed to the receiver (hex).
	pub sealed: String,
	/// The range proof (hex, 736 bytes).
	pub proof: String,
}

fn unhex<const N: usize>(s: &str) -> Result<[u8; N], Error> {
	let bytes = hex::decode(s.trim_start_matches("0x")).map_err(|_| Error::Malformed)?;
	bytes.try_into().map_err(|_| Error::Malformed)
}

fn unhex_vec(s: &str) -> Result<Vec<u8>, Error> {
	hex::decode(s.trim_start_matches("0x")).map_err(|_| Error::Malformed)
}

fn scalar(s: &str) -> Result<Scalar, Error> {
	Option::from(Scalar::from_canonical_bytes(unhex::<32>(s)?)).ok_or(Error::Malformed)
}

/// `0x`-prefixed hex, as Polkadot.js writes bytes.
pub fn to_hex(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// The symmetric key of a sealed opening: the x25519 agreement, through a merlin transcript
/// with both public keys (a KDF with its own domain).
fn seal_key(shared: &[u8; 32], ephemeral: &[u8; 32], receiver: &[u8; 32]) -> [u8; 32] {
	let mut t = merlin::Transcript::new(b"clearinghouse/confidential/seal/v1");
	t.append_message(b"ephemeral", ephemeral);
	t.append_message(b"receiver", receiver);
	t.append_message(b"shared", shared);
	let mut key = [0u8; 32];
	t.challenge_bytes(b"key", &mut key);
	key
}

/// Seal `opening` to `receiver`'s x25519 key.
pub fn seal(receiver: &[u8; 32], opening: &Opening) -> Vec<u8> {
	let ephemeral = StaticSecret::random_from_rng(OsRng);
	let ephemeral_public = PublicKey::from(&ephemeral).to_bytes();
	let shared = ephemeral.diffie_hellman(&PublicKey::from(*receiver)).to_bytes();
	let cipher = ChaCha20Poly1305::new(&seal_key(&shared, &ephemeral_public, receiver).into());
	let mut nonce = [0u8; 12];
	OsRng.fill_bytes(&mut nonce);
	let mut plain = opening.value.to_le_bytes().to_vec();
	plain.extend_from_slice(opening.blinding.as_bytes());
	// Encrypting a 40-byte buffer into memory cannot fail.
	let sealed = cipher.encrypt(Nonce::from_slice(&nonce), plain.as_slice()).unwrap_or_default();
	[ephemeral_public.as_slice(), &nonce, &sealed].concat()
}

impl Wallet {
	/// A new wallet for the account encoded as `account` on the chain of `genesis`, and the
	/// `enable` call that opens it on chain (a fresh commitment to zero, proven).
	pub fn new(account: &[u8], genesis: &[u8; 32]) -> (Self, EnableCall) {
		let secret = StaticSecret::random_from_rng(OsRng);
		let zero = Opening::random(0);
		let wallet = Self {
			account: to_hex(account),
			genesis: to_hex(genesis),
			secret: to_hex(secret.as_bytes()),
			value: 0,
			blinding: to_hex(zero.blinding.as_bytes()),
			outgoing: Vec::new(),
		};
		let key = PublicKey::from(&secret).to_bytes();
		let statement = Statement {
			genesis: *genesis,
			operation: Operation::Enable,
			account,
			version: 0,
			epoch: 0,
			public: &key,
		};
		let proof = prover::prove_opening(&statement, &zero, &mut OsRng);
		let call = EnableCall {
			key: to_hex(&key),
			commitment: to_hex(&zero.commitment().0),
			proof: to_hex(&proof),
		};
		(wallet, call)
	}

	/// The hidden balance's opening.
	pub fn opening(&self) -> Result<Opening, Error> {
		Ok(Opening { value: self.value, blinding: scalar(&self.blinding)? })
	}

	fn set_opening(&mut self, opening: Opening) {
		self.value = opening.value;
		self.blinding = to_hex(opening.blinding.as_bytes());
	}

	/// The commitment the chain should hold for this account.
	pub fn commitment(&self) -> Result<[u8; 32], Error> {
		Ok(self.opening()?.commitment().0)
	}

	/// This account's encryption key.
	pub fn public_key(&self) -> Result<[u8; 32], Error> {
		Ok(PublicKey::from(&StaticSecret::from(unhex::<32>(&self.secret)?)).to_bytes())
	}

	fn with_statement<R>(
		&self,
		operation: Operation,
		version: u64,
		epoch: u64,
		public: &[u8],
		f: impl FnOnce(&Statement) -> R,
	) -> Result<R, Error> {
		let account = unhex_vec(&self.account)?;
		let genesis = unhex::<32>(&self.genesis)?;
		let statement = Statement { genesis, operation, account: &account, version, epoch, public };
		Ok(f(&statement))
	}

	/// `amount` shielded on chain: the hidden value grows by it (no proof).
	pub fn shield(&mut self, amount: u64) -> Result<(), Error> {
		let next = self.opening()?.add_value(i128::from(amount)).ok_or(Error::Insufficient)?;
		self.set_opening(next);
		Ok(())
	}

	/// The proof of `confidential.unshield(amount)` at the commitment's `version`, keeping
	/// `floor`; the wallet's value drops by `amount` (submit the call, or reload the wallet).
	pub fn unshield(&mut self, amount: u64, version: u64, floor: u64) -> Result<Vec<u8>, Error> {
		let now = self.opening()?;
		let kept =
			now.add_value(-i128::from(amount) - i128::from(floor)).ok_or(Error::Insufficient)?;
		let public = u128::from(amount).encode();
		let (proof, _) = self
			.with_statement(Operation::Unshield, version, 0, &public, |s| {
				prover::prove_range(s, &[kept])
			})?
			.map_err(Error::Proof)?;
		self.set_opening(now.add_value(-i128::from(amount)).ok_or(Error::Insufficient)?);
		Ok(proof)
	}

	/// The proof of `confidential.proveBand(underlying, low, high, headroom)`: `surpluses` are
	/// the chain's `s(low)` and `s(high)` (settlement units), `low` and `high` the band's ends as
	/// `FixedU128` inner values, `epoch` the band epoch it will land in.
	#[allow(clippy::too_many_arguments)]
	pub fn band(
		&self,
		underlying: [u8; 8],
		low: u128,
		high: u128,
		headroom: u64,
		surpluses: [i128; 2],
		version: u64,
		epoch: u64,
	) -> Result<Vec<u8>, Error> {
		let now = self.opening()?;
		let ends =
			surpluses.map(|s| now.add_value(s - i128::from(headroom)).ok_or(Error::Insufficient));
		let [a, b] = ends;
		let public = (underlying, low, high, u128::from(headroom)).encode();
		let (proof, _) = self.with_statement(Operation::Band, version, epoch, &public, |s| {
			prover::prove_range(s, &[a?, b?]).map_err(Error::Proof)
		})??;
		Ok(proof)
	}

	/// The call of `confidential.transfer` of `amount` to the account encoded as `to`, whose key
	/// is `to_key`, at the commitment's `version`, keeping `floor`. The wallet's value drops by
	/// the amount and the amount's opening is kept until it is accepted or comes back.
	pub fn transfer(
		&mut self,
		to: &[u8],
		to_key: &[u8; 32],
		amount: u64,
		version: u64,
		floor: u64,
	) -> Result<TransferCall, Error> {
		let now = self.opening()?;
		let sent = Opening::random(amount);
		let rest = Opening {
			value: now.value.checked_sub(amount).ok_or(Error::Insufficient)?,
			blinding: now.blinding - sent.blinding,
		};
		let kept = rest.add_value(-i128::from(floor)).ok_or(Error::Insufficient)?;
		let sealed = seal(to_key, &sent);
		let commitment = sent.commitment().0;
		let public = [to, &commitment, &Compact(sealed.len() as u32).encode(), &sealed].concat();
		let (proof, _) = self
			.with_statement(Operation::Transfer, version, 0, &public, |s| {
				prover::prove_range(s, &[sent, kept])
			})?
			.map_err(Error::Proof)?;
		self.set_opening(rest);
		self.outgoing.push(Outgoing {
			commitment: to_hex(&commitment),
			value: sent.value,
			blinding: to_hex(sent.blinding.as_bytes()),
		});
		Ok(TransferCall {
			amount: to_hex(&commitment),
			sealed: to_hex(&sealed),
			proof: to_hex(&proof),
		})
	}

	/// Open a sealed opening sent to this wallet.
	pub fn open(&self, sealed: &[u8]) -> Result<Opening, Error> {
		if sealed.len() != SEALED_LEN {
			return Err(Error::NotOurs);
		}
		let (ephemeral, rest) = sealed.split_at(32);
		let (nonce, body) = rest.split_at(12);
		let ephemeral: [u8; 32] = ephemeral.try_into().map_err(|_| Error::NotOurs)?;
		let secret = StaticSecret::from(unhex::<32>(&self.secret)?);
		let shared = secret.diffie_hellman(&PublicKey::from(ephemeral)).to_bytes();
		let key = seal_key(&shared, &ephemeral, &PublicKey::from(&secret).to_bytes());
		let plain = ChaCha20Poly1305::new(&key.into())
			.decrypt(Nonce::from_slice(nonce), body)
			.map_err(|_| Error::NotOurs)?;
		let value = u64::from_le_bytes(plain[..8].try_into().map_err(|_| Error::NotOurs)?);
		let blinding: [u8; 32] = plain[8..].try_into().map_err(|_| Error::NotOurs)?;
		let blinding =
			Option::from(Scalar::from_canonical_bytes(blinding)).ok_or(Error::NotOurs)?;
		Ok(Opening { value, blinding })
	}

	/// The proof of `confidential.accept(id)` at this account's commitment `version`, for the
	/// transfer whose amount commitment and sealed opening the inbox holds; the wallet adds it.
	pub fn accept(
		&mut self,
		id: u64,
		version: u64,
		amount: &[u8; 32],
		sealed: &[u8],
	) -> Result<Vec<u8>, Error> {
		let received = self.open(sealed)?;
		if received.commitment() != Commitment(*amount) {
			return Err(Error::NotOurs);
		}
		let public = id.encode();
		let proof = self.with_statement(Operation::Accept, version, 0, &public, |s| {
			prover::prove_knowledge(s, &received, &mut OsRng).to_vec()
		})?;
		let now = self.opening()?;
		self.set_opening(Opening {
			value: now.value.checked_add(received.value).ok_or(Error::Malformed)?,
			blinding: now.blinding + received.blinding,
		});
		Ok(proof)
	}

	/// A transfer this wallet sent came back (rejected or reclaimed): its amount is hidden here
	/// again.
	pub fn returned(&mut self, amount: &[u8; 32]) -> Result<(), Error> {
		let hexed = to_hex(amount);
		let at = self.outgoing.iter().position(|o| o.commitment == hexed).ok_or(Error::NotOurs)?;
		let back = self.outgoing.remove(at);
		let now = self.opening()?;
		self.set_opening(Opening {
			value: now.value.checked_add(back.value).ok_or(Error::Malformed)?,
			blinding: now.blinding + scalar(&back.blinding)?,
		});
		Ok(())
	}

	/// A transfer this wallet sent was accepted: its opening is no longer needed.
	pub fn delivered(&mut self, amount: &[u8; 32]) {
		let hexed = to_hex(amount);
		self.outgoing.retain(|o| o.commitment != hexed);
	}

	/// Liquidation took `amount` of the hidden balance (the chain's `Seized`).
	pub fn seized(&mut self, amount: u64) -> Result<(), Error> {
		let next = self.opening()?.add_value(-i128::from(amount)).ok_or(Error::Malformed)?;
		self.set_opening(next);
		Ok(())
	}
}

#[cfg(test)]
mod tests;
