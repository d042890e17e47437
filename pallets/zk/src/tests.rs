//! Real proofs from the prover against the verifier: honest ones pass; forged, tampered,
//! replayed, cross-account and malformed ones fail with their own errors.

use super::{prover::*, *};
use proptest::prelude::*;
use rand::{rngs::StdRng, SeedableRng};

const ALICE: &[u8] = b"alice/0";
const BOB: &[u8] = b"bob/0";

fn statement<'a>(operation: Operation, account: &'a [u8], public: &'a [u8]) -> Statement<'a> {
	Statement { genesis: [7; 32], operation, account, version: 3, epoch: 11, public }
}

fn band() -> Statement<'static> {
	statement(Operation::Band, ALICE, b"band 45000..55000")
}

fn rng() -> StdRng {
	StdRng::seed_from_u64(42)
}

fn opening(value: u64, seed: u8) -> Opening {
	Opening { value, blinding: Scalar::from_bytes_mod_order([seed; 32]) }
}

#[test]
fn honest_range_proofs_of_one_and_two_values_verify_at_their_fixed_sizes() {
	for openings in [vec![opening(0, 1)], vec![opening(u64::MAX, 2), opening(12_345, 3)]] {
		let (proof, commitments) = prove_range_with_rng(&band(), &openings, &mut rng()).unwrap();
		assert_eq!(Some(proof.len()), range_proof_len(openings.len()));
		let expected: Vec<Commitment> = openings.iter().map(Opening::commitment).collect();
		assert_eq!(commitments, expected);
		assert_eq!(verify_range(&band(), &commitments, &proof), Ok(()));
		// Deterministic: verifying again gives the same answer (no RNG, no cache).
		assert_eq!(verify_range(&band(), &commitments, &proof), Ok(()));
	}
	assert_eq!((range_proof_len(1), range_proof_len(2)), (Some(672), Some(736)));
}

#[test]
fn a_proof_is_bound_to_its_whole_statement() {
	let (proof, commitments) =
		prove_range_with_rng(&band(), &[opening(5, 1), opening(6, 2)], &mut rng()).unwrap();
	let base = band();
	for other in [
		Statement { account: BOB, ..base },              // another account
		Statement { version: base.version + 1, ..base }, // replayed after a change
		Statement { version: base.version - 1, ..base }, // an old version
		Statement { epoch: base.epoch + 1, ..base },     // another oracle epoch
		Statement { public: b"band 40000..60000", ..base }, // another band
		Statement { genesis: [8; 32], ..base },          // another chain
		Statement { operation: Operation::Transfer, ..base }, // another operation
	] {
		assert_eq!(verify_range(&other, &commitments, &proof), Err(Error::Invalid), "{other:?}");
	}
	// The commitments are the chain's own: swapped or moved by a public amount, no match.
	let swapped = [commitments[1], commitments[0]];
	assert_eq!(verify_range(&base, &swapped, &proof), Err(Error::Invalid));
	let moved = [commitments[0].add_value(-1).unwrap(), commitments[1]];
	assert_eq!(verify_range(&base, &moved, &proof), Err(Error::Invalid));
}

#[test]
fn a_negative_value_cannot_be_proven_in_range() {
	// The owner holds 100 and claims the band's end is covered after a loss of 101: the value
	// the chain computes is −1 (ℓ − 1 as a scalar). The prover has no u64 for it; a proof for
	// the honest 100 does not verify against the chain's commitment.
	let held = opening(100, 9);
	let (proof, _) = prove_range_with_rng(&band(), &[held], &mut rng()).unwrap();
	let after_loss = held.commitment().add_value(-101).unwrap();
	assert_eq!(verify_range(&band(), &[after_loss], &proof), Err(Error::Invalid));
	assert_eq!(held.add_value(-101), None);
	// With a loss of 100 it is exactly zero, and provable.
	let zero = held.add_value(-100).unwrap();
	assert_eq!(zero.commitment(), after_loss.add_value(1).unwrap());
	let (proof, c) = prove_range_with_rng(&band(), &[zero], &mut rng()).unwrap();
	assert_eq!(verify_range(&band(), &c, &proof), Ok(()));
}

#[test]
fn sizes_are_checked_before_any_work() {
	let (proof, c) = prove_range_with_rng(&band(), &[opening(1, 1)], &mut rng()).unwrap();
	assert_eq!(verify_range(&band(), &[], &proof), Err(Error::WrongAggregation));
	assert_eq!(verify_range(&band(), &[c[0]; 3], &proof), Err(Error::WrongAggregation));
	assert_eq!(verify_range(&band(), &[c[0]; 4], &proof), Err(Error::WrongAggregation));
	// A proof for one value offered for two, and every other length.
	assert_eq!(verify_range(&band(), &[c[0], c[0]], &proof), Err(Error::WrongLength));
	for len in [0, 1, 31, 640, 671, 673, 704, 736] {
		let mut bytes = proof.clone();
		bytes.resize(len, 0);
		assert_eq!(verify_range(&band(), &c, &bytes), Err(Error::WrongLength), "{len}");
	}
	assert_eq!(
		prove_range_with_rng(&band(), &[opening(1, 1); 3], &mut rng()),
		Err(Error::WrongAggregation)
	);
}

#[test]
fn non_canonical_scalars_and_invalid_points_are_named() {
	let (proof, c) = prove_range_with_rng(&band(), &[opening(1, 1)], &mut rng()).unwrap();
	// t_x (word 4) set to ℓ + small: not canonical.
	let mut bytes = proof.clone();
	bytes[4 * 32..5 * 32].fill(0xff);
	bytes[5 * 32 - 1] = 0x1f;
	assert_eq!(verify_range(&band(), &c, &bytes), Err(Error::NonCanonical));
	// The last scalar of the inner product argument too.
	let mut bytes = proof.clone();
	let end = bytes.len();
	bytes[end - 32..].fill(0xff);
	assert_eq!(verify_range(&band(), &c, &bytes), Err(Error::NonCanonical));
	// A (word 0), an L of the inner product argument (word 7): not Ristretto encodings.
	for word in [0usize, 7, 18] {
		let mut bytes = proof.clone();
		bytes[word * 32..word * 32 + 32].fill(0xff);
		assert_eq!(verify_range(&band(), &c, &bytes), Err(Error::InvalidPoint), "{word}");
	}
	// A commitment that is not a point.
	assert_eq!(verify_range(&band(), &[Commitment([0xff; 32])], &proof), Err(Error::InvalidPoint));
	assert_eq!(Commitment([0xff; 32]).add_value(1), Err(Error::InvalidPoint));
}

#[test]
fn opening_proofs_show_the_exact_value_for_their_statement_only() {
	let enable = statement(Operation::Enable, ALICE, b"");
	let zero = opening(0, 5);
	let proof = prove_opening(&enable, &zero, &mut rng());
	assert_eq!(verify_opening(&enable, &zero.commitment(), 0, &proof), Ok(()));
	// Another value, account, version or operation: refused.
	assert_eq!(verify_opening(&enable, &zero.commitment(), 1, &proof), Err(Error::Invalid));
	let bob = statement(Operation::Enable, BOB, b"");
	assert_eq!(verify_opening(&bob, &zero.commitment(), 0, &proof), Err(Error::Invalid));
	let later = Statement { version: 4, ..enable };
	assert_eq!(verify_opening(&later, &zero.commitment(), 0, &proof), Err(Error::Invalid));
	// A commitment to 7 cannot pass for a commitment to 0.
	let seven = opening(7, 5);
	let forged = prove_opening(&enable, &seven, &mut rng());
	assert_eq!(verify_opening(&enable, &seven.commitment(), 0, &forged), Err(Error::Invalid));
	assert_eq!(verify_opening(&enable, &seven.commitment(), 7, &forged), Ok(()));
	assert_eq!(
		verify_opening(&enable, &zero.commitment(), 0, &proof[..63]),
		Err(Error::WrongLength)
	);
	let mut bad = proof;
	bad[32..].fill(0xff);
	assert_eq!(verify_opening(&enable, &zero.commitment(), 0, &bad), Err(Error::NonCanonical));
}

#[test]
fn knowledge_proofs_show_an_opening_is_known_without_revealing_it() {
	let accept = statement(Operation::Accept, BOB, b"transfer 1");
	let amount = opening(2_500, 6);
	let proof = prove_knowledge(&accept, &amount, &mut rng());
	assert_eq!(verify_knowledge(&accept, &amount.commitment(), &proof), Ok(()));
	// For another commitment (someone else's transfer) or statement: refused.
	let other = opening(2_500, 7).commitment();
	assert_eq!(verify_knowledge(&accept, &other, &proof), Err(Error::Invalid));
	let alice = statement(Operation::Accept, ALICE, b"transfer 1");
	assert_eq!(verify_knowledge(&alice, &amount.commitment(), &proof), Err(Error::Invalid));
	assert_eq!(verify_knowledge(&accept, &amount.commitment(), &[0; 95]), Err(Error::WrongLength));
}

#[test]
fn commitments_move_homomorphically() {
	let a = opening(1_000, 1);
	let b = opening(250, 2);
	// C + d·G commits to c + d with the same blinding.
	assert_eq!(a.commitment().add_value(-400).unwrap(), a.add_value(-400).unwrap().commitment());
	assert_eq!(a.commitment().add_value(0).unwrap(), a.commitment());
	// A transfer: the sender's commitment minus the amount's, the receiver's plus it.
	let rest = Opening { value: 750, blinding: a.blinding - b.blinding };
	assert_eq!(a.commitment().sub(&b.commitment()).unwrap(), rest.commitment());
	assert_eq!(rest.commitment().add(&b.commitment()).unwrap(), a.commitment());
	assert_eq!(Commitment::zero(), opening(0, 0).commitment());
	assert_eq!(signed_scalar(-5) + Scalar::from(5u64), Scalar::ZERO);
	assert_eq!(signed_scalar(i128::MIN) + Scalar::from(i128::MIN.unsigned_abs()), Scalar::ZERO);
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]

	/// A proof with any byte changed never verifies (it fails with one of the named errors).
	#[test]
	fn a_tampered_proof_never_verifies(value in any::<u64>(), at in 0usize..736, flip in 1u8..=255) {
		let openings = [opening(value, 3), opening(value / 2, 4)];
		let (mut proof, c) = prove_range_with_rng(&band(), &openings, &mut rng()).unwrap();
		proof[at] ^= flip;
		prop_assert!(verify_range(&band(), &c, &proof).is_err());
	}

	/// Every value of the range is provable, and the proof is for that commitment alone.
	#[test]
	fn every_u64_is_provable(value in any::<u64>(), seed in any::<u8>()) {
		let o = opening(value, seed);
		let (proof, c) = prove_range_with_rng(&band(), &[o], &mut rng()).unwrap();
		prop_assert_eq!(verify_range(&band(), &c, &proof), Ok(()));
		let other = o.commitment().add_value(1).unwrap();
		prop_assert_eq!(verify_range(&band(), &[other], &proof), Err(Error::Invalid));
	}
}
