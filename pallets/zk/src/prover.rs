//! The prover: what a trader runs on its own machine to make the proofs the chain verifies.
//! Every function takes its RNG; with `std` the conveniences draw from the operating system's
//! (the verifier never draws randomness at all).

use super::*;
#[cfg(feature = "std")]
use rand::rngs::OsRng;
use rand_core::{CryptoRng, RngCore};

/// A deterministic RNG keyed by `seed` (merlin's transcript RNG): for benchmarks and tests
/// inside the runtime, which has no entropy. Its blindings are predictable — never for a
/// wallet.
pub fn seeded_rng(seed: &[u8]) -> impl RngCore + CryptoRng {
	let mut t = Transcript::new(b"clearinghouse/seeded-rng");
	t.append_message(b"seed", seed);
	t.build_rng().finalize(&mut NoEntropy)
}

/// A value and the blinding that commits to it: what only the owner knows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Opening {
	/// The hidden value.
	pub value: u64,
	/// The blinding scalar.
	pub blinding: Scalar,
}

impl Opening {
	/// An opening of `value` with a fresh random blinding.
	#[cfg(feature = "std")]
	pub fn random(value: u64) -> Self {
		Self { value, blinding: Scalar::random(&mut OsRng) }
	}

	/// Its commitment `value·G + blinding·H`.
	pub fn commitment(&self) -> Commitment {
		let gens = PedersenGens::default();
		Commitment::from_point(&gens.commit(Scalar::from(self.value), self.blinding))
	}

	/// The opening of the commitment `C + delta·G` (see [`Commitment::add_value`]); `None` if
	/// the value leaves `[0, 2^64)` (no range proof could then be made).
	pub fn add_value(&self, delta: i128) -> Option<Self> {
		let value = i128::from(self.value).checked_add(delta)?;
		Some(Self { value: u64::try_from(value).ok()?, blinding: self.blinding })
	}
}

/// A range proof that each of `openings` (1 or 2) is in `[0, 2^64)`, for `statement`, and the
/// commitments it is about (the chain computes those itself and must find the same ones).
#[cfg(feature = "std")]
pub fn prove_range(
	statement: &Statement,
	openings: &[Opening],
) -> Result<(Vec<u8>, Vec<Commitment>), Error> {
	prove_range_with_rng(statement, openings, &mut OsRng)
}

/// [`prove_range`] with the caller's RNG (tests and benches).
pub fn prove_range_with_rng<R: RngCore + CryptoRng>(
	statement: &Statement,
	openings: &[Opening],
	rng: &mut R,
) -> Result<(Vec<u8>, Vec<Commitment>), Error> {
	range_proof_len(openings.len()).ok_or(Error::WrongAggregation)?;
	let values: Vec<u64> = openings.iter().map(|o| o.value).collect();
	let blindings: Vec<Scalar> = openings.iter().map(|o| o.blinding).collect();
	let bp_gens = BulletproofGens::new(RANGE_BITS, openings.len());
	let (proof, commitments) = RangeProof::prove_multiple_with_rng(
		&bp_gens,
		&PedersenGens::default(),
		&mut statement.transcript(),
		&values,
		&blindings,
		RANGE_BITS,
		rng,
	)
	.map_err(|_| Error::Invalid)?;
	Ok((proof.to_bytes(), commitments.iter().map(|c| Commitment(c.to_bytes())).collect()))
}

/// A proof that `opening`'s commitment opens to exactly its value (see [`verify_opening`]).
pub fn prove_opening<R: RngCore + CryptoRng>(
	statement: &Statement,
	opening: &Opening,
	rng: &mut R,
) -> [u8; OPENING_PROOF_LEN] {
	let gens = PedersenGens::default();
	let k = Scalar::random(rng);
	let t = (gens.B_blinding * k).compress().to_bytes();
	let e = challenge(statement, b"opening", &opening.commitment(), Some(opening.value), &t);
	let s = k + e * opening.blinding;
	let mut out = [0u8; OPENING_PROOF_LEN];
	out[..32].copy_from_slice(&t);
	out[32..].copy_from_slice(s.as_bytes());
	out
}

/// A proof of knowledge of `opening` for its commitment (see [`verify_knowledge`]).
pub fn prove_knowledge<R: RngCore + CryptoRng>(
	statement: &Statement,
	opening: &Opening,
	rng: &mut R,
) -> [u8; KNOWLEDGE_PROOF_LEN] {
	let gens = PedersenGens::default();
	let (k1, k2) = (Scalar::random(rng), Scalar::random(rng));
	let t = gens.commit(k1, k2).compress().to_bytes();
	let e = challenge(statement, b"knowledge", &opening.commitment(), None, &t);
	let s1 = k1 + e * Scalar::from(opening.value);
	let s2 = k2 + e * opening.blinding;
	let mut out = [0u8; KNOWLEDGE_PROOF_LEN];
	out[..32].copy_from_slice(&t);
	out[32..64].copy_from_slice(s1.as_bytes());
	out[64..].copy_from_slice(s2.as_bytes());
	out
}
