//! End to end with real proofs from the prover library: enable, shield, unshield; every
//! refusal named, with nothing changed; the pool always equal to what was shielded.

use crate::{mock::*, Error, Event, *};
use clearinghouse_zk::{
	prover::{prove_opening, prove_range, Opening},
	Commitment, Operation,
};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::DispatchError,
};
use rand::rngs::OsRng;

fn acct(who: AccountId, sub: u8) -> MarginAccount<AccountId> {
	MarginAccount::new(who, sub)
}

fn deposit(who: AccountId, usd: u128) {
	assert_ok!(Vaults::deposit(RuntimeOrigin::signed(who), 0, usd * USD_UNIT, 0));
}

fn public(who: AccountId) -> i128 {
	Vaults::balance_of(&acct(who, 0), 0)
}

fn proof(bytes: &[u8]) -> Proof {
	Proof::try_from(bytes.to_vec()).unwrap()
}

const KEY: [u8; 32] = [3; 32];

/// The enable call of `who`'s sub-account 0 with a fresh commitment to zero.
fn enable_call(who: AccountId) -> (Opening, Proof) {
	let zero = Opening::random(0);
	let encoded = acct(who, 0).encode();
	let statement = Confidential::statement(Operation::Enable, &encoded, 0, &KEY);
	(zero, proof(&prove_opening(&statement, &zero, &mut OsRng)))
}

fn enable(who: AccountId) -> Opening {
	let (zero, p) = enable_call(who);
	assert_ok!(Confidential::enable(RuntimeOrigin::signed(who), 0, KEY, zero.commitment().0, p));
	zero
}

/// An unshield proof of `amount` by `who` at `version`, from its hidden `opening` (what the
/// owner's wallet knows).
fn unshield_proof(who: AccountId, opening: &Opening, version: u64, amount: u128) -> Proof {
	let remainder = opening.add_value(-(amount as i128)).expect("a provable remainder");
	let encoded = acct(who, 0).encode();
	let public = amount.encode();
	let statement = Confidential::statement(Operation::Unshield, &encoded, version, &public);
	proof(&prove_range(&statement, &[remainder]).unwrap().0)
}

fn commitment(who: AccountId) -> [u8; 32] {
	Accounts::<Test>::get(acct(who, 0)).unwrap().commitment
}

#[test]
fn shield_and_unshield_move_value_through_the_pool_and_the_commitment() {
	build_and_execute(|| {
		deposit(ALICE, 10_000);
		let zero = enable(ALICE);
		System::assert_last_event(Event::Enabled { account: acct(ALICE, 0), key: KEY }.into());
		assert_eq!(commitment(ALICE), zero.commitment().0);

		assert_ok!(Confidential::shield(RuntimeOrigin::signed(ALICE), 0, 4_000 * USD_UNIT));
		System::assert_last_event(
			Event::Shielded { account: acct(ALICE, 0), amount: 4_000 * USD_UNIT }.into(),
		);
		let hidden = zero.add_value((4_000 * USD_UNIT) as i128).unwrap();
		// The commitment moved by exactly the public amount; the pool holds it.
		assert_eq!(commitment(ALICE), hidden.commitment().0);
		assert_eq!(public(ALICE), (6_000 * USD_UNIT) as i128);
		assert_eq!(Vaults::balance_of(&Pool::get(), 0), (4_000 * USD_UNIT) as i128);
		assert_eq!(PoolTotal::<Test>::get(), 4_000 * USD_UNIT);

		let p = unshield_proof(ALICE, &hidden, 0, 1_500 * USD_UNIT);
		assert_ok!(Confidential::unshield(RuntimeOrigin::signed(ALICE), 0, 1_500 * USD_UNIT, p));
		System::assert_last_event(
			Event::Unshielded { account: acct(ALICE, 0), amount: 1_500 * USD_UNIT, version: 1 }
				.into(),
		);
		let hidden = hidden.add_value(-((1_500 * USD_UNIT) as i128)).unwrap();
		assert_eq!(commitment(ALICE), hidden.commitment().0);
		assert_eq!(public(ALICE), (7_500 * USD_UNIT) as i128);
		assert_eq!(PoolTotal::<Test>::get(), 2_500 * USD_UNIT);
		// All of it out: the remainder zero is provable.
		let p = unshield_proof(ALICE, &hidden, 1, 2_500 * USD_UNIT);
		assert_ok!(Confidential::unshield(RuntimeOrigin::signed(ALICE), 0, 2_500 * USD_UNIT, p));
		assert_eq!(public(ALICE), (10_000 * USD_UNIT) as i128);
		assert_eq!(PoolTotal::<Test>::get(), 0);
		assert_eq!(Accounts::<Test>::get(acct(ALICE, 0)).unwrap().version, 2);
	});
}

#[test]
fn no_event_or_stored_field_carries_the_hidden_balance() {
	build_and_execute(|| {
		deposit(ALICE, 10_000);
		enable(ALICE);
		assert_ok!(Confidential::shield(RuntimeOrigin::signed(ALICE), 0, 4_000 * USD_UNIT));
		// The public amounts moved and the version: nothing else (the types have no field
		// for a balance or a blinding).
		let ours: Vec<Event<Test>> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Confidential(e) => Some(e),
				_ => None,
			})
			.collect();
		assert_eq!(
			ours,
			vec![
				Event::Enabled { account: acct(ALICE, 0), key: KEY },
				Event::Shielded { account: acct(ALICE, 0), amount: 4_000 * USD_UNIT },
			]
		);
		let state = Accounts::<Test>::get(acct(ALICE, 0)).unwrap();
		assert_eq!((state.version, state.floor, state.key), (0, 0, KEY));
	});
}

#[test]
fn enabling_needs_a_proven_commitment_to_zero_for_this_account() {
	build_and_execute(|| {
		let signed = RuntimeOrigin::signed;
		let (zero, p) = enable_call(ALICE);
		// Bob cannot use Alice's proof (it names her account), nor another key.
		assert_noop!(
			Confidential::enable(signed(BOB), 0, KEY, zero.commitment().0, p.clone()),
			Error::<Test>::ProofInvalid
		);
		assert_noop!(
			Confidential::enable(signed(ALICE), 0, [4; 32], zero.commitment().0, p.clone()),
			Error::<Test>::ProofInvalid
		);
		// A commitment to 5 proven as such does not pass for zero.
		let five = Opening::random(5);
		let encoded = acct(ALICE, 0).encode();
		let statement = Confidential::statement(Operation::Enable, &encoded, 0, &KEY);
		let forged = proof(&prove_opening(&statement, &five, &mut OsRng));
		assert_noop!(
			Confidential::enable(signed(ALICE), 0, KEY, five.commitment().0, forged),
			Error::<Test>::ProofInvalid
		);
		// No blinding: refused before any proof.
		assert_noop!(
			Confidential::enable(signed(ALICE), 0, KEY, Commitment::zero().0, p.clone()),
			Error::<Test>::IdentityCommitment
		);
		assert_noop!(
			Confidential::enable(signed(ALICE), 0, KEY, zero.commitment().0, proof(&p[..63])),
			Error::<Test>::ProofWrongSize
		);
		let mut bad = p.to_vec();
		bad[32..].fill(0xff);
		assert_noop!(
			Confidential::enable(signed(ALICE), 0, KEY, zero.commitment().0, proof(&bad)),
			Error::<Test>::ProofNonCanonical
		);
		assert_noop!(
			Confidential::enable(signed(ALICE), 0, KEY, [0xff; 32], p.clone()),
			Error::<Test>::ProofInvalidPoint
		);
		assert_noop!(
			Confidential::enable(signed(ALICE), 4, KEY, zero.commitment().0, p.clone()),
			Error::<Test>::SubAccountOutOfRange
		);
		assert_ok!(Confidential::enable(signed(ALICE), 0, KEY, zero.commitment().0, p.clone()));
		assert_noop!(
			Confidential::enable(signed(ALICE), 0, KEY, zero.commitment().0, p),
			Error::<Test>::AlreadyEnabled
		);
	});
}

#[test]
fn shielding_is_refused_without_the_public_balance_or_when_positions_need_it() {
	build_and_execute(|| {
		let signed = RuntimeOrigin::signed;
		deposit(ALICE, 1_000);
		assert_noop!(Confidential::shield(signed(ALICE), 0, USD_UNIT), Error::<Test>::NotEnabled);
		enable(ALICE);
		assert_noop!(Confidential::shield(signed(ALICE), 0, 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			Confidential::shield(signed(ALICE), 0, u128::from(u64::MAX) + 1),
			Error::<Test>::AmountTooLarge
		);
		assert_noop!(
			Confidential::shield(signed(ALICE), 0, 1_000 * USD_UNIT + 1),
			Error::<Test>::InsufficientBalance
		);
		// The margin engine refuses (the amount backs positions): nothing moves.
		REFUSE.with(|r| r.set(true));
		assert_noop!(
			Confidential::shield(signed(ALICE), 0, 500 * USD_UNIT),
			DispatchError::Other("positions need it")
		);
		REFUSE.with(|r| r.set(false));
		assert_ok!(Confidential::shield(signed(ALICE), 0, 1_000 * USD_UNIT));
		assert_eq!(public(ALICE), 0);
	});
}

#[test]
fn an_unshield_proof_is_for_one_account_version_and_amount_and_never_more_than_is_hidden() {
	build_and_execute(|| {
		let signed = RuntimeOrigin::signed;
		deposit(ALICE, 10_000);
		deposit(BOB, 10_000);
		let alice = enable(ALICE).add_value((4_000 * USD_UNIT) as i128).unwrap();
		let bob = enable(BOB).add_value((4_000 * USD_UNIT) as i128).unwrap();
		assert_ok!(Confidential::shield(signed(ALICE), 0, 4_000 * USD_UNIT));
		assert_ok!(Confidential::shield(signed(BOB), 0, 4_000 * USD_UNIT));
		let amount = 1_000 * USD_UNIT;
		let good = unshield_proof(ALICE, &alice, 0, amount);

		// Bob's own valid proof, submitted for Alice; Alice's for Bob.
		let bobs = unshield_proof(BOB, &bob, 0, amount);
		assert_noop!(
			Confidential::unshield(signed(ALICE), 0, amount, bobs),
			Error::<Test>::ProofInvalid
		);
		assert_noop!(
			Confidential::unshield(signed(BOB), 0, amount, good.clone()),
			Error::<Test>::ProofInvalid
		);
		// Another amount than proven (more, or less).
		for other in [amount + 1, amount - 1, 4_000 * USD_UNIT] {
			assert_noop!(
				Confidential::unshield(signed(ALICE), 0, other, good.clone()),
				Error::<Test>::ProofInvalid
			);
		}
		// More than is hidden: the owner cannot make the proof; a proof of a smaller remainder
		// (made for the honest amount) does not pass for it.
		assert_eq!(alice.add_value(-((4_000 * USD_UNIT + 1) as i128)), None);
		// Tampered, wrong length, non-canonical, not a point.
		let mut tampered = good.to_vec();
		tampered[200] ^= 1;
		assert!(Confidential::unshield(signed(ALICE), 0, amount, proof(&tampered)).is_err());
		assert_noop!(
			Confidential::unshield(signed(ALICE), 0, amount, proof(&good[..640])),
			Error::<Test>::ProofWrongSize
		);
		assert_noop!(
			Confidential::unshield(
				signed(ALICE),
				0,
				amount,
				proof(&[good.to_vec(), vec![0; 64]].concat())
			),
			Error::<Test>::ProofWrongSize
		);
		let mut bad = good.to_vec();
		bad[4 * 32..5 * 32].fill(0xff);
		assert_noop!(
			Confidential::unshield(signed(ALICE), 0, amount, proof(&bad)),
			Error::<Test>::ProofNonCanonical
		);
		let mut bad = good.to_vec();
		bad[..32].fill(0xff);
		assert_noop!(
			Confidential::unshield(signed(ALICE), 0, amount, proof(&bad)),
			Error::<Test>::ProofInvalidPoint
		);
		assert_noop!(
			Confidential::unshield(signed(ALICE), 0, 0, good.clone()),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			Confidential::unshield(signed(ALICE), 1, amount, good.clone()),
			Error::<Test>::NotEnabled
		);

		// The honest proof passes once; replayed, the version has moved on.
		assert_ok!(Confidential::unshield(signed(ALICE), 0, amount, good.clone()));
		assert_noop!(
			Confidential::unshield(signed(ALICE), 0, amount, good),
			Error::<Test>::ProofInvalid
		);
		assert_eq!(PoolTotal::<Test>::get(), 7_000 * USD_UNIT);
	});
}
