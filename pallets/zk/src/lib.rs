//! The zero-knowledge pieces of confidential margin accounts (protocol:
//! `pallets/confidential/README.md`): storage-free and `no_std`, so the runtime verifies with
//! exactly the code a trader's prover is tested against.
//!
//! * [`Commitment`]: a Pedersen commitment `v·G + r·H` over Ristretto, compressed, with the
//!   homomorphic updates the chain applies to public amounts.
//! * [`Statement`]: what every proof is bound to (genesis, operation, account, version, epoch,
//!   the operation's public data), as the merlin transcript both sides start from.
//! * [`verify_range`]: an aggregated Bulletproofs range proof that 1 or 2 commitments open to
//!   values in `[0, 2^64)`; sizes are checked before any curve arithmetic, and the verifier's
//!   batching randomness is derived from the transcript after the whole proof is absorbed.
//! * [`verify_opening`] (the commitment opens to a public value) and [`verify_knowledge`] (the
//!   prover knows an opening): Schnorr proofs over the same transcript.
//! * [`prover`] (feature `prover`; `std` adds OS randomness): what a trader runs locally.
//!
//! Every failure is a distinct [`Error`]; nothing here allocates more than the proof's fixed size
//! implies, panics or reads a clock or an RNG when verifying.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use bulletproofs::{BulletproofGens, PedersenGens, RangeProof};
pub use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::{
	ristretto::{CompressedRistretto, RistrettoPoint},
	traits::{Identity, VartimeMultiscalarMul},
};
use merlin::Transcript;

#[cfg(feature = "prover")]
pub mod prover;

/// Bits of every range proof: values are proven in `[0, 2^64)`.
pub const RANGE_BITS: usize = 64;
/// The most values one range proof aggregates (a band's two ends; a transfer's amount and
/// remainder).
pub const MAX_AGGREGATION: usize = 2;
/// The transcript's domain separator: a proof for anything else starts from another state.
pub const DOMAIN: &[u8] = b"clearinghouse/confidential/v1";
/// Bytes of an opening proof ([`verify_opening`]): a point and a scalar.
pub const OPENING_PROOF_LEN: usize = 64;
/// Bytes of a knowledge-of-opening proof ([`verify_knowledge`]): a point and two scalars.
pub const KNOWLEDGE_PROOF_LEN: usize = 96;

/// Bytes of a range proof over `m` values (`n = 64`): 4 points and 3 scalars, then the inner
/// product argument's `2·log2(64·m)` points and 2 scalars — 672 for one value, 736 for two.
/// `None` for an aggregation this protocol does not use.
pub const fn range_proof_len(m: usize) -> Option<usize> {
	match m {
		1 => Some(32 * (7 + 2 * 6 + 2)),
		2 => Some(32 * (7 + 2 * 7 + 2)),
		_ => None,
	}
}

/// Why a proof or a commitment was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Error {
	/// A range proof over neither 1 nor 2 values.
	WrongAggregation,
	/// The proof's length is not the one its kind and aggregation imply.
	WrongLength,
	/// A scalar in the proof is not in canonical form (or the bytes do not parse).
	NonCanonical,
	/// A point (a commitment or inside the proof) is not a valid Ristretto encoding.
	InvalidPoint,
	/// The proof is well formed and does not verify.
	Invalid,
}

/// A Pedersen commitment `v·G + r·H`, compressed (32 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash, PartialOrd, Ord)]
pub struct Commitment(pub [u8; 32]);

impl Commitment {
	/// The commitment to 0 with blinding 0 (the group identity).
	pub fn zero() -> Self {
		Self::from_point(&RistrettoPoint::identity())
	}

	fn from_point(p: &RistrettoPoint) -> Self {
		Self(p.compress().to_bytes())
	}

	/// The point, if the bytes are a valid (canonical) Ristretto encoding.
	pub fn point(&self) -> Result<RistrettoPoint, Error> {
		CompressedRistretto(self.0).decompress().ok_or(Error::InvalidPoint)
	}

	/// This commitment with `delta` added to its value (`C + delta·G`, blinding unchanged): how
	/// a public amount moves a hidden balance.
	pub fn add_value(&self, delta: i128) -> Result<Self, Error> {
		let g = PedersenGens::default().B;
		Ok(Self::from_point(&(self.point()? + g * signed_scalar(delta))))
	}

	/// The commitment to the sum of both values (and of both blindings).
	pub fn add(&self, other: &Self) -> Result<Self, Error> {
		Ok(Self::from_point(&(self.point()? + other.point()?)))
	}

	/// The commitment to the difference of both values (and blindings).
	pub fn sub(&self, other: &Self) -> Result<Self, Error> {
		Ok(Self::from_point(&(self.point()? - other.point()?)))
	}
}

/// `x` as a scalar (a negative `x` as `ℓ − |x|`).
pub fn signed_scalar(x: i128) -> Scalar {
	let magnitude = Scalar::from(x.unsigned_abs());
	if x < 0 {
		-magnitude
	} else {
		magnitude
	}
}

/// The operation a proof authorises: part of its statement, so a proof for one is never
/// accepted for another.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Operation {
	/// Opening a confidential sub-account with a commitment to zero.
	Enable,
	/// Taking a public amount out of the hidden balance.
	Unshield,
	/// Solvency over a price band.
	Band,
	/// Sending a hidden amount to another confidential account.
	Transfer,
	/// Accepting a transfer received.
	Accept,
}

impl Operation {
	fn label(self) -> &'static [u8] {
		match self {
			Self::Enable => b"enable",
			Self::Unshield => b"unshield",
			Self::Band => b"band",
			Self::Transfer => b"transfer",
			Self::Accept => b"accept",
		}
	}
}

/// What a proof is bound to. The chain builds it from its own state (never from the
/// extrinsic's word), the prover from what the chain told it; a proof verifies only against
/// the statement it was made for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Statement<'a> {
	/// The chain's genesis hash.
	pub genesis: [u8; 32],
	/// The operation.
	pub operation: Operation,
	/// The account, as the pallet encodes it (owner and sub-account).
	pub account: &'a [u8],
	/// The account's commitment version (bumped after every successful verification).
	pub version: u64,
	/// The oracle epoch the statement was made at.
	pub epoch: u64,
	/// The operation's public data, as the pallet encodes it (the band, an amount, a
	/// recipient).
	pub public: &'a [u8],
}

impl Statement<'_> {
	/// The transcript both sides start from.
	pub fn transcript(&self) -> Transcript {
		let mut t = Transcript::new(DOMAIN);
		t.append_message(b"genesis", &self.genesis);
		t.append_message(b"operation", self.operation.label());
		t.append_message(b"account", self.account);
		t.append_u64(b"version", self.version);
		t.append_u64(b"epoch", self.epoch);
		t.append_message(b"public", self.public);
		t
	}
}

/// An RNG that adds no entropy: the verifier's randomness comes from the transcript alone
/// (merlin's `TranscriptRng` keyed by everything absorbed), so every node computes the same
/// verification and none reads an entropy source.
struct NoEntropy;

impl rand_core::RngCore for NoEntropy {
	fn next_u32(&mut self) -> u32 {
		0
	}
	fn next_u64(&mut self) -> u64 {
		0
	}
	fn fill_bytes(&mut self, dest: &mut [u8]) {
		dest.fill(0);
	}
	fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
		dest.fill(0);
		Ok(())
	}
}

impl rand_core::CryptoRng for NoEntropy {}

/// The byte ranges of the points in a range proof of `len` bytes: `A, S, T_1, T_2`, then the
/// inner product argument's `L`s and `R`s (its last two 32-byte words are scalars).
fn range_proof_points(proof: &[u8]) -> impl Iterator<Item = &[u8]> {
	let words = proof.len() / 32;
	(0..words)
		.filter(move |&w| w < 4 || (7..words.saturating_sub(2)).contains(&w))
		.filter_map(move |w| proof.get(w * 32..w * 32 + 32))
}

fn decompress(bytes: &[u8]) -> Result<RistrettoPoint, Error> {
	CompressedRistretto::from_slice(bytes)
		.map_err(|_| Error::InvalidPoint)?
		.decompress()
		.ok_or(Error::InvalidPoint)
}

/// Verify that `proof` shows every one of `commitments` (1 or 2) opens to a value in
/// `[0, 2^64)`, for `statement`. The aggregation and the length are checked first, then every
/// point's encoding and every scalar's canonical form, then the proof.
pub fn verify_range(
	statement: &Statement,
	commitments: &[Commitment],
	proof: &[u8],
) -> Result<(), Error> {
	let m = commitments.len();
	let expected = range_proof_len(m).ok_or(Error::WrongAggregation)?;
	if proof.len() != expected {
		return Err(Error::WrongLength);
	}
	for c in commitments {
		c.point()?;
	}
	for p in range_proof_points(proof) {
		decompress(p)?;
	}
	let parsed = RangeProof::from_bytes(proof).map_err(|_| Error::NonCanonical)?;
	let compressed: Vec<CompressedRistretto> =
		commitments.iter().map(|c| CompressedRistretto(c.0)).collect();
	let mut transcript = statement.transcript();
	// The batching scalar: keyed by the statement, the commitments and every byte of the
	// proof, so it is fixed only once the whole proof is.
	let mut rng = {
		let mut keyed = transcript.clone();
		for c in commitments {
			keyed.append_message(b"V", &c.0);
		}
		keyed.append_message(b"proof", proof);
		keyed.build_rng().finalize(&mut NoEntropy)
	};
	let bp_gens = BulletproofGens::new(RANGE_BITS, m);
	parsed
		.verify_multiple_with_rng(
			&bp_gens,
			&PedersenGens::default(),
			&mut transcript,
			&compressed,
			RANGE_BITS,
			&mut rng,
		)
		.map_err(|_| Error::Invalid)
}

fn scalar(bytes: &[u8]) -> Result<Scalar, Error> {
	let array: [u8; 32] = bytes.try_into().map_err(|_| Error::WrongLength)?;
	Option::from(Scalar::from_canonical_bytes(array)).ok_or(Error::NonCanonical)
}

/// The Schnorr challenge of an opening or knowledge proof: the statement, the commitment, the
/// public value (if any) and the prover's first message.
pub(crate) fn challenge(
	statement: &Statement,
	label: &'static [u8],
	commitment: &Commitment,
	value: Option<u64>,
	nonce_commitment: &[u8],
) -> Scalar {
	let mut t = statement.transcript();
	t.append_message(b"proof-kind", label);
	t.append_message(b"C", &commitment.0);
	if let Some(v) = value {
		t.append_u64(b"v", v);
	}
	t.append_message(b"T", nonce_commitment);
	let mut wide = [0u8; 64];
	t.challenge_bytes(b"e", &mut wide);
	Scalar::from_bytes_mod_order_wide(&wide)
}

/// Verify that `commitment` opens to exactly `value`: a proof of knowledge of `r` with
/// `commitment − value·G = r·H` (64 bytes: `T = k·H`, `s = k + e·r`).
pub fn verify_opening(
	statement: &Statement,
	commitment: &Commitment,
	value: u64,
	proof: &[u8],
) -> Result<(), Error> {
	if proof.len() != OPENING_PROOF_LEN {
		return Err(Error::WrongLength);
	}
	let (t_bytes, s_bytes) = proof.split_at(32);
	let t = decompress(t_bytes)?;
	let s = scalar(s_bytes)?;
	let point = commitment.point()?;
	let gens = PedersenGens::default();
	let e = challenge(statement, b"opening", commitment, Some(value), t_bytes);
	// s·H − e·(C − v·G) − T must be the identity.
	let check = RistrettoPoint::vartime_multiscalar_mul(
		[s, -e, e * Scalar::from(value), -Scalar::ONE],
		[gens.B_blinding, point, gens.B, t],
	);
	if check == RistrettoPoint::identity() {
		Ok(())
	} else {
		Err(Error::Invalid)
	}
}

/// Verify that the prover knows an opening `(v, r)` of `commitment` (`v·G + r·H`) without
/// learning it: 96 bytes, `T = k_1·G + k_2·H`, `s_1 = k_1 + e·v`, `s_2 = k_2 + e·r`.
pub fn verify_knowledge(
	statement: &Statement,
	commitment: &Commitment,
	proof: &[u8],
) -> Result<(), Error> {
	if proof.len() != KNOWLEDGE_PROOF_LEN {
		return Err(Error::WrongLength);
	}
	let (t_bytes, rest) = proof.split_at(32);
	let (s1_bytes, s2_bytes) = rest.split_at(32);
	let t = decompress(t_bytes)?;
	let (s1, s2) = (scalar(s1_bytes)?, scalar(s2_bytes)?);
	let point = commitment.point()?;
	let gens = PedersenGens::default();
	let e = challenge(statement, b"knowledge", commitment, None, t_bytes);
	let check = RistrettoPoint::vartime_multiscalar_mul(
		[s1, s2, -e, -Scalar::ONE],
		[gens.B, gens.B_blinding, point, t],
	);
	if check == RistrettoPoint::identity() {
		Ok(())
	} else {
		Err(Error::Invalid)
	}
}

#[cfg(test)]
mod tests;
