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

// ---------------------------------------------------------------------------------------------
// Solvency over a band, grace and seizing (the margin engine stood in for: `SURPLUS`)

use polkadot_sdk::{sp_arithmetic::FixedU128, sp_runtime::DispatchResult};

fn usd(n: i128) -> i128 {
	n * USD_UNIT as i128
}

/// A band proof for `who`, whose hidden `opening` the wallet knows, over `[low, high]` given
/// the chain's surpluses there (what the prover reads from the chain).
fn band_proof(who: AccountId, opening: &Opening, version: u64, low: u32, high: u32) -> Proof {
	band_proof_with(who, opening, version, low, high, 0)
}

/// As [`band_proof`], with `headroom` (USD) to spare.
fn band_proof_with(
	who: AccountId,
	opening: &Opening,
	version: u64,
	low: u32,
	high: u32,
	headroom: i128,
) -> Proof {
	let (base, slope) = SURPLUS.with(|s| s.get()).unwrap();
	let ends = [low, high].map(|p| opening.add_value(usd(base + slope * i128::from(p) - headroom)));
	let ends =
		[ends[0].expect("covered at the low end"), ends[1].expect("covered at the high end")];
	let encoded = acct(who, 0).encode();
	let public =
		(btc(), FixedU128::from_u32(low), FixedU128::from_u32(high), usd(headroom) as u128)
			.encode();
	let statement = clearinghouse_zk::Statement {
		epoch: Confidential::epoch(),
		..Confidential::statement(Operation::Band, &encoded, version, &public)
	};
	proof(&prove_range(&statement, &ends).unwrap().0)
}

fn prove_band(who: AccountId, low: u32, high: u32, p: Proof) -> DispatchResult {
	prove_band_with(who, low, high, 0, p)
}

fn prove_band_with(
	who: AccountId,
	low: u32,
	high: u32,
	headroom: i128,
	p: Proof,
) -> DispatchResult {
	Confidential::prove_band(
		RuntimeOrigin::signed(who),
		0,
		btc(),
		FixedU128::from_u32(low),
		FixedU128::from_u32(high),
		usd(headroom) as u128,
		p,
	)
}

/// Alice: 10,000 USD hidden (the book's surplus stood in for by each test).
fn alice_hidden_10k() -> Opening {
	deposit(ALICE, 10_000);
	let hidden = enable(ALICE).add_value(usd(10_000)).unwrap();
	assert_ok!(Confidential::shield(RuntimeOrigin::signed(ALICE), 0, 10_000 * USD_UNIT));
	SURPLUS.with(|s| s.set(Some((19_000, 0))));
	hidden
}

/// Alice: 10,000 USD hidden and a floor of 7,000 proven over [47,000, 53,000] (her book's
/// surplus there: −1,000 and −7,000).
fn alice_with_floor_7k() -> Opening {
	let hidden = alice_hidden_10k();
	SURPLUS.with(|s| s.set(Some((46_000, -1))));
	assert_ok!(prove_band(ALICE, 47_000, 53_000, band_proof(ALICE, &hidden, 0, 47_000, 53_000)));
	hidden
}

/// What the margin engine's liquidation attempt on Alice's sub-account 0, at `equity`, hears.
fn defer(equity: i128) -> Deferral {
	<Confidential as HiddenCollateral<AccountId>>::defer_liquidation(&acct(ALICE, 0), equity)
}

#[test]
fn a_band_proof_sets_the_floor_the_margin_engine_counts() {
	build_and_execute(|| {
		let hidden = alice_hidden_10k();
		// s(P) = −(P − 50,000) − 4,000: −1,000 at 47,000; −7,000 at 53,000.
		SURPLUS.with(|s| s.set(Some((46_000, -1))));
		let p = band_proof(ALICE, &hidden, 0, 47_000, 53_000);
		assert_ok!(prove_band(ALICE, 47_000, 53_000, p));
		let band = Band {
			underlying: btc(),
			low: FixedU128::from_u32(47_000),
			high: FixedU128::from_u32(53_000),
			epoch: Confidential::epoch(),
		};
		System::assert_last_event(
			Event::BandProven {
				account: acct(ALICE, 0),
				band,
				floor: 7_000 * USD_UNIT,
				version: 1,
			}
			.into(),
		);
		assert_eq!(
			<Confidential as HiddenCollateral<AccountId>>::floor(&acct(ALICE, 0)),
			7_000 * USD_UNIT
		);
		assert_eq!(Bands::<Test>::get(acct(ALICE, 0)), Some(band));
		// Only the excess above the floor can leave: 3,000, not 3,001.
		assert_eq!(hidden.add_value(usd(-3_000) - usd(7_000)).map(|o| o.value), Some(0));
		assert_eq!(hidden.add_value(usd(-3_001) - usd(7_000)), None);
		let encoded = acct(ALICE, 0).encode();
		let public = (3_000 * USD_UNIT).encode();
		let st = Confidential::statement(Operation::Unshield, &encoded, 1, &public);
		let out = hidden.add_value(usd(-3_000) - usd(7_000)).unwrap();
		let p = proof(&prove_range(&st, &[out]).unwrap().0);
		// A proof of the remainder alone (ignoring the floor) is for another commitment.
		let naive = proof(&prove_range(&st, &[hidden.add_value(usd(-3_000)).unwrap()]).unwrap().0);
		assert_noop!(
			Confidential::unshield(RuntimeOrigin::signed(ALICE), 0, 3_000 * USD_UNIT, naive),
			Error::<Test>::ProofInvalid
		);
		assert_ok!(Confidential::unshield(RuntimeOrigin::signed(ALICE), 0, 3_000 * USD_UNIT, p));
	});
}

#[test]
fn a_band_proof_is_refused_for_every_reason_named_and_changes_nothing() {
	build_and_execute(|| {
		let hidden = alice_hidden_10k();
		SURPLUS.with(|s| s.set(Some((46_000, -1))));
		let good = band_proof(ALICE, &hidden, 0, 47_000, 53_000);
		// The band must hold the index, be ordered and start above zero.
		assert_noop!(
			prove_band(ALICE, 51_000, 53_000, good.clone()),
			Error::<Test>::BandExcludesPrice
		);
		assert_noop!(
			prove_band(ALICE, 45_000, 49_000, good.clone()),
			Error::<Test>::BandExcludesPrice
		);
		assert_noop!(prove_band(ALICE, 53_000, 47_000, good.clone()), Error::<Test>::InvalidBand);
		assert_noop!(prove_band(ALICE, 0, 53_000, good.clone()), Error::<Test>::InvalidBand);
		// Another band than proven (the chain computes other commitments).
		assert_noop!(prove_band(ALICE, 46_000, 53_000, good.clone()), Error::<Test>::ProofInvalid);
		// The book changed since the proof was made (the margin engine values it otherwise).
		SURPLUS.with(|s| s.set(Some((45_000, -1))));
		assert_noop!(prove_band(ALICE, 47_000, 53_000, good.clone()), Error::<Test>::ProofInvalid);
		SURPLUS.with(|s| s.set(Some((46_000, -1))));
		// A book the band argument does not cover.
		SURPLUS.with(|s| s.set(None));
		assert_noop!(
			prove_band(ALICE, 47_000, 53_000, good.clone()),
			DispatchError::Other("BandUnsupported")
		);
		SURPLUS.with(|s| s.set(Some((46_000, -1))));
		BTC_PRICE.with(|p| p.set(None));
		assert_noop!(
			prove_band(ALICE, 47_000, 53_000, good.clone()),
			Error::<Test>::PriceUnavailable
		);
		BTC_PRICE.with(|p| p.set(Some(50_000)));
		// Bob's proof (his account) and an old epoch's.
		assert_noop!(
			Confidential::prove_band(
				RuntimeOrigin::signed(BOB),
				0,
				btc(),
				FixedU128::from_u32(47_000),
				FixedU128::from_u32(53_000),
				0,
				good.clone()
			),
			Error::<Test>::NotEnabled
		);
		NOW.with(|n| n.set(T0 + EPOCH_MS));
		assert_noop!(prove_band(ALICE, 47_000, 53_000, good.clone()), Error::<Test>::ProofInvalid);
		NOW.with(|n| n.set(T0));
		// More needed than is hidden: at 62,000 the book needs 16,000 > 10,000 — the wallet
		// cannot make that proof, and one for a band it can cover does not pass for it.
		assert_eq!(hidden.add_value(usd(46_000 - 62_000)), None);
		BTC_PRICE.with(|p| p.set(Some(60_000)));
		assert_noop!(prove_band(ALICE, 47_000, 62_000, good.clone()), Error::<Test>::ProofInvalid);
		BTC_PRICE.with(|p| p.set(Some(50_000)));
		assert_noop!(
			prove_band(ALICE, 47_000, 53_000, proof(&good[..672])),
			Error::<Test>::ProofWrongSize
		);
		// The good one, once; replayed, the version has moved on.
		assert_ok!(prove_band(ALICE, 47_000, 53_000, good.clone()));
		assert_noop!(prove_band(ALICE, 47_000, 53_000, good), Error::<Test>::ProofInvalid);
	});
}

/// A prover builds its band proof from the chain's quote alone (the runtime API), and the
/// quote is what the call checks: the floor it names is the floor set; the account's view then
/// shows the band, and later the grace deadline.
#[test]
fn a_band_proof_built_from_the_quote_lands_and_the_view_shows_band_floor_and_grace() {
	build_and_execute(|| {
		let hidden = alice_hidden_10k();
		SURPLUS.with(|s| s.set(Some((46_000, -1))));
		let (low, high) = (FixedU128::from_u32(47_000), FixedU128::from_u32(53_000));
		let headroom = 500 * USD_UNIT;
		let quote = Confidential::band_quote(&acct(ALICE, 0), btc(), low, high, headroom).unwrap();
		assert_eq!(
			quote,
			BandQuote {
				surplus_low: usd(-1_000),
				surplus_high: usd(-7_000),
				floor: 7_500 * USD_UNIT,
				epoch: Confidential::epoch(),
				version: 0,
				price: FixedU128::from_u32(50_000),
			}
		);
		// The prover's side: c + s − headroom at both ends, bound to the quote's epoch/version.
		let ends = [quote.surplus_low, quote.surplus_high]
			.map(|s| hidden.add_value(s - headroom as i128).unwrap());
		let encoded = acct(ALICE, 0).encode();
		let public = (btc(), low, high, headroom).encode();
		let st = clearinghouse_zk::Statement {
			epoch: quote.epoch,
			..Confidential::statement(Operation::Band, &encoded, quote.version, &public)
		};
		let p = proof(&prove_range(&st, &ends).unwrap().0);
		assert_ok!(prove_band_with(ALICE, 47_000, 53_000, 500, p));
		let view = Confidential::state(&acct(ALICE, 0)).unwrap();
		assert_eq!(view.floor, quote.floor);
		assert_eq!(view.version, 1);
		assert_eq!(view.band, Some(Band { underlying: btc(), low, high, epoch: quote.epoch }));
		assert_eq!(view.grace_until, None);
		// The next quote names the next version; an account without a band has none to show.
		assert_eq!(
			Confidential::band_quote(&acct(ALICE, 0), btc(), low, high, 0).unwrap().version,
			1
		);
		// Out of the band: the view shows the grace deadline the margin engine started.
		BTC_PRICE.with(|p| p.set(Some(54_000)));
		LIQUIDATABLE.with(|l| l.set(true));
		assert_ok!(Confidential::start_grace(RuntimeOrigin::signed(BOB), acct(ALICE, 0)));
		assert_eq!(Confidential::state(&acct(ALICE, 0)).unwrap().grace_until, Some(T0 + GRACE_MS));
		// The quote refuses what the call refuses, before any proof.
		assert_noop!(
			Confidential::band_quote(&acct(ALICE, 0), btc(), low, high, 0),
			Error::<Test>::BandExcludesPrice
		);
		assert_noop!(
			Confidential::band_quote(&acct(ALICE, 0), btc(), high, low, 0),
			Error::<Test>::InvalidBand
		);
		assert_noop!(
			Confidential::band_quote(&acct(BOB, 0), btc(), low, high, 0),
			Error::<Test>::NotEnabled
		);
		assert_noop!(
			Confidential::band_quote(
				&acct(ALICE, 0),
				btc(),
				low,
				FixedU128::from_u32(60_000),
				u128::from(u64::MAX) + 1
			),
			Error::<Test>::AmountTooLarge
		);
		SURPLUS.with(|s| s.set(None));
		assert_noop!(
			Confidential::band_quote(&acct(ALICE, 0), btc(), low, FixedU128::from_u32(60_000), 0),
			DispatchError::Other("BandUnsupported")
		);
		assert_eq!(Confidential::state(&acct(BOB, 0)), None);
	});
}

#[test]
fn out_of_its_band_an_account_gets_a_grace_period_then_liquidation_takes_at_most_the_floor() {
	build_and_execute(|| {
		let account = acct(ALICE, 0);
		let hidden = alice_hidden_10k();
		let signed = RuntimeOrigin::signed;
		// No floor yet: nothing to wait for.
		assert_noop!(Confidential::start_grace(signed(BOB), account), Error::<Test>::NoFloor);
		SURPLUS.with(|s| s.set(Some((46_000, -1))));
		let p = band_proof(ALICE, &hidden, 0, 47_000, 53_000);
		assert_ok!(prove_band(ALICE, 47_000, 53_000, p));
		// Covered: a keeper cannot start the clock.
		assert_noop!(
			Confidential::start_grace(signed(BOB), account),
			Error::<Test>::NotLiquidatable
		);
		// The index runs to 56,000: at the floor the margin engine finds her liquidatable.
		LIQUIDATABLE.with(|l| l.set(true));
		assert_ok!(Confidential::start_grace(signed(BOB), account));
		System::assert_last_event(Event::GraceStarted { account, until: T0 + GRACE_MS }.into());
		assert_noop!(
			Confidential::start_grace(signed(BOB), account),
			Error::<Test>::GraceAlreadyStarted
		);
		assert_eq!(defer(usd(100)), Deferral::GraceRunning);
		NOW.with(|n| n.set(T0 + GRACE_MS - 1));
		assert_eq!(defer(usd(100)), Deferral::GraceRunning);
		// Bankrupt at the floor: waiting could only cost the insurance fund.
		assert_eq!(defer(0), Deferral::No);
		NOW.with(|n| n.set(T0 + GRACE_MS));
		assert_eq!(defer(usd(100)), Deferral::No);
		// Liquidation closes her positions; a public debt of 9,000 is left: the floor (7,000)
		// pays, no more.
		let covered =
			<Confidential as HiddenCollateral<AccountId>>::cover(&account, 9_000 * USD_UNIT)
				.unwrap();
		assert_eq!(covered, 7_000 * USD_UNIT);
		System::assert_last_event(Event::Seized { account, amount: 7_000 * USD_UNIT }.into());
		assert_eq!(public(ALICE), (7_000 * USD_UNIT) as i128);
		assert_eq!(PoolTotal::<Test>::get(), 3_000 * USD_UNIT);
		assert_eq!(<Confidential as HiddenCollateral<AccountId>>::floor(&account), 0);
		assert_eq!(<Confidential as HiddenCollateral<AccountId>>::cover(&account, 1), Ok(0));
		// What stays is hers and provably not negative: she takes all 3,000 out.
		let rest = hidden.add_value(usd(-7_000)).unwrap();
		let p = unshield_proof(ALICE, &rest, 1, 3_000 * USD_UNIT);
		assert_ok!(Confidential::unshield(signed(ALICE), 0, 3_000 * USD_UNIT, p));
		assert_eq!(PoolTotal::<Test>::get(), 0);
	});
}

#[test]
fn a_new_band_proof_ends_the_grace_period() {
	build_and_execute(|| {
		let account = acct(ALICE, 0);
		let hidden = alice_with_floor_7k();
		LIQUIDATABLE.with(|l| l.set(true));
		BTC_PRICE.with(|p| p.set(Some(54_000)));
		assert_ok!(Confidential::start_grace(RuntimeOrigin::signed(BOB), account));
		// A band that still leaves her liquidatable at the engine's marks keeps the clock
		// running.
		assert_ok!(prove_band(
			ALICE,
			47_000,
			54_000,
			band_proof(ALICE, &hidden, 1, 47_000, 54_000)
		));
		assert_eq!(GraceUntil::<Test>::get(account), Some(T0 + GRACE_MS));
		// Her hidden excess covers a wider band that does cover her: she proves it in time.
		LIQUIDATABLE.with(|l| l.set(false));
		assert_ok!(prove_band(
			ALICE,
			50_000,
			55_000,
			band_proof(ALICE, &hidden, 2, 50_000, 55_000)
		));
		assert_eq!(GraceUntil::<Test>::get(account), None);
		assert_eq!(
			<Confidential as HiddenCollateral<AccountId>>::floor(&account),
			9_000 * USD_UNIT
		);
	});
}

#[test]
fn headroom_raises_the_floor_for_orders_to_come_and_is_bound_into_the_proof() {
	build_and_execute(|| {
		let hidden = alice_hidden_10k();
		// No position yet: the book needs nothing at either end (her public balance is zero).
		SURPLUS.with(|s| s.set(Some((0, 0))));
		let p = band_proof_with(ALICE, &hidden, 0, 45_000, 55_000, 6_000);
		// The same proof claimed with less (or more) headroom is another statement.
		assert_noop!(
			prove_band_with(ALICE, 45_000, 55_000, 5_000, p.clone()),
			Error::<Test>::ProofInvalid
		);
		assert_noop!(
			prove_band_with(ALICE, 45_000, 55_000, 7_000, p.clone()),
			Error::<Test>::ProofInvalid
		);
		assert_ok!(prove_band_with(ALICE, 45_000, 55_000, 6_000, p));
		assert_eq!(
			<Confidential as HiddenCollateral<AccountId>>::floor(&acct(ALICE, 0)),
			6_000 * USD_UNIT
		);
		// More headroom than is hidden: the wallet cannot make the proof.
		assert_eq!(hidden.add_value(usd(-10_001)), None);
	});
}

#[test]
fn the_first_liquidation_attempt_starts_the_grace_period_no_keeper_needed() {
	build_and_execute(|| {
		let account = acct(ALICE, 0);
		let hidden = alice_hidden_10k();
		// No floor: liquidated like any account.
		assert_eq!(defer(usd(100)), Deferral::No);
		SURPLUS.with(|s| s.set(Some((46_000, -1))));
		assert_ok!(prove_band(
			ALICE,
			47_000,
			53_000,
			band_proof(ALICE, &hidden, 0, 47_000, 53_000)
		));
		// A floor of 1 unit or 7,000 alike: the first attempt (a keeper's or the sweep's)
		// starts the clock; liquidation then waits for it, no longer.
		assert_eq!(defer(usd(100)), Deferral::GraceStarted);
		System::assert_last_event(Event::GraceStarted { account, until: T0 + GRACE_MS }.into());
		assert_eq!(defer(usd(100)), Deferral::GraceRunning);
		NOW.with(|n| n.set(T0 + GRACE_MS));
		assert_eq!(defer(usd(100)), Deferral::No);
	});
}

/// One grace period per band: an account that outlived its grace period without proving a new
/// band (the price came back) is liquidated at its next shortfall without another — the view
/// shows the deadline it used — and a band proof that covers it gives the next shortfall a
/// period of its own. (A deadline that merely lapsed must not restart the clock: a liquidation
/// that takes longer than a period would otherwise be paused by its own length.)
#[test]
fn one_grace_period_per_band_and_a_covering_proof_gives_the_next_shortfall_its_own() {
	build_and_execute(|| {
		let account = acct(ALICE, 0);
		let hidden = alice_with_floor_7k();
		assert_eq!(defer(usd(100)), Deferral::GraceStarted);
		// Long after it ran out, and no new band: liquidated at once, no second period.
		NOW.with(|n| n.set(T0 + 10 * GRACE_MS));
		assert_eq!(defer(usd(100)), Deferral::No);
		assert_eq!(Confidential::state(&account).unwrap().grace_until, Some(T0 + GRACE_MS));
		LIQUIDATABLE.with(|l| l.set(true));
		assert_noop!(
			Confidential::start_grace(RuntimeOrigin::signed(BOB), account),
			Error::<Test>::GraceAlreadyStarted
		);
		// A band proof that covers the account ends it ...
		LIQUIDATABLE.with(|l| l.set(false));
		assert_ok!(prove_band(
			ALICE,
			47_000,
			53_000,
			band_proof(ALICE, &hidden, 1, 47_000, 53_000)
		));
		assert_eq!(Confidential::state(&account).unwrap().grace_until, None);
		// ... and the next shortfall gets a period of its own.
		assert_eq!(defer(usd(100)), Deferral::GraceStarted);
		System::assert_last_event(
			Event::GraceStarted { account, until: T0 + 11 * GRACE_MS }.into(),
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Confidential transfers

const CHARLIE: AccountId = 3;

fn sealed() -> Sealed {
	Sealed::truncate_from(vec![7; 100])
}

/// Alice's transfer of `a` (its opening `amount`) to Bob, from her hidden `opening` at
/// `version` with `floor` to keep: the call's arguments, and the opening she keeps.
fn transfer_proof(
	opening: &Opening,
	amount: &Opening,
	version: u64,
	floor: i128,
	to: MarginAccount<AccountId>,
) -> (Proof, Opening) {
	let rest = Opening {
		value: opening.value - amount.value,
		blinding: opening.blinding - amount.blinding,
	};
	let kept = rest.add_value(-floor).expect("the floor is covered");
	let encoded = acct(ALICE, 0).encode();
	let public = (&to, amount.commitment().0, &sealed()).encode();
	let st = Confidential::statement(Operation::Transfer, &encoded, version, &public);
	(proof(&prove_range(&st, &[*amount, kept]).unwrap().0), rest)
}

fn transfer(to: MarginAccount<AccountId>, amount: &Opening, p: Proof) -> DispatchResult {
	Confidential::transfer(RuntimeOrigin::signed(ALICE), 0, to, amount.commitment().0, sealed(), p)
}

fn accept_proof(who: AccountId, version: u64, id: u64, amount: &Opening) -> Proof {
	let encoded = acct(who, 0).encode();
	let public = id.encode();
	let st = Confidential::statement(Operation::Accept, &encoded, version, &public);
	proof(&clearinghouse_zk::prover::prove_knowledge(&st, amount, &mut OsRng))
}

#[test]
fn a_hidden_amount_moves_between_confidential_accounts_and_the_receiver_can_spend_it() {
	build_and_execute(|| {
		let hidden = alice_hidden_10k();
		let bob_zero = enable(BOB);
		let amount = Opening::random(2_500 * USD_UNIT as u64);
		let (p, rest) = transfer_proof(&hidden, &amount, 0, 0, acct(BOB, 0));
		assert_ok!(transfer(acct(BOB, 0), &amount, p));
		// No amount anywhere in public: the event names the parties and the id.
		System::assert_last_event(
			Event::TransferSent { from: acct(ALICE, 0), to: acct(BOB, 0), id: 0, version: 1 }
				.into(),
		);
		assert_eq!(commitment(ALICE), rest.commitment().0);
		assert_eq!(InboxCount::<Test>::get(acct(BOB, 0)), 1);
		// Bob proves he can open it, and it is his.
		assert_ok!(Confidential::accept(
			RuntimeOrigin::signed(BOB),
			0,
			0,
			accept_proof(BOB, 0, 0, &amount)
		));
		System::assert_last_event(Event::TransferAccepted { to: acct(BOB, 0), id: 0 }.into());
		let bob = Opening { value: amount.value, blinding: bob_zero.blinding + amount.blinding };
		assert_eq!(commitment(BOB), bob.commitment().0);
		assert_eq!(InboxCount::<Test>::get(acct(BOB, 0)), 0);
		// The pool did not move; Bob takes his 2,500 out with a proof only he can make.
		assert_eq!(PoolTotal::<Test>::get(), 10_000 * USD_UNIT);
		let p = unshield_proof(BOB, &bob, 1, 2_500 * USD_UNIT);
		assert_ok!(Confidential::unshield(RuntimeOrigin::signed(BOB), 0, 2_500 * USD_UNIT, p));
		assert_eq!(public(BOB), (2_500 * USD_UNIT) as i128);
		// Alice's remainder is hers too.
		let p = unshield_proof(ALICE, &rest, 1, 7_500 * USD_UNIT);
		assert_ok!(Confidential::unshield(RuntimeOrigin::signed(ALICE), 0, 7_500 * USD_UNIT, p));
		assert_eq!(PoolTotal::<Test>::get(), 0);
	});
}

#[test]
fn a_transfer_never_takes_more_than_is_hidden_nor_the_floor_and_every_refusal_is_named() {
	build_and_execute(|| {
		// A floor of 7,000: only 3,000 may leave.
		let hidden = alice_with_floor_7k();
		enable(BOB);
		let signed = RuntimeOrigin::signed;
		let floor = usd(7_000);
		let too_much = Opening::random(3_001 * USD_UNIT as u64);
		assert_eq!(
			Opening {
				value: hidden.value - too_much.value,
				blinding: hidden.blinding - too_much.blinding
			}
			.add_value(-floor),
			None
		);
		// A proof ignoring the floor is for another commitment.
		let (naive, _) = transfer_proof(&hidden, &too_much, 1, 0, acct(BOB, 0));
		assert_noop!(transfer(acct(BOB, 0), &too_much, naive), Error::<Test>::ProofInvalid);
		let amount = Opening::random(3_000 * USD_UNIT as u64);
		let (good, _) = transfer_proof(&hidden, &amount, 1, floor, acct(BOB, 0));
		// To someone not confidential, to herself, an identity commitment, another receiver
		// than proven, a tampered proof.
		assert_noop!(
			transfer(acct(CHARLIE, 0), &amount, good.clone()),
			Error::<Test>::ReceiverNotEnabled
		);
		assert_noop!(transfer(acct(ALICE, 0), &amount, good.clone()), Error::<Test>::SameAccount);
		assert_noop!(
			Confidential::transfer(
				signed(ALICE),
				0,
				acct(BOB, 0),
				Commitment::zero().0,
				sealed(),
				good.clone()
			),
			Error::<Test>::IdentityCommitment
		);
		enable(CHARLIE);
		assert_noop!(
			transfer(acct(CHARLIE, 0), &amount, good.clone()),
			Error::<Test>::ProofInvalid
		);
		let mut tampered = good.to_vec();
		tampered[300] ^= 1;
		assert!(transfer(acct(BOB, 0), &amount, proof(&tampered)).is_err());
		assert_noop!(
			Confidential::transfer(
				signed(ALICE),
				0,
				acct(BOB, 0),
				amount.commitment().0,
				Sealed::truncate_from(vec![8; 100]),
				good.clone()
			),
			Error::<Test>::ProofInvalid
		);
		assert_ok!(transfer(acct(BOB, 0), &amount, good.clone()));
		// Replayed: the version moved on.
		assert_noop!(transfer(acct(BOB, 0), &amount, good), Error::<Test>::ProofInvalid);
		// The floor still stands behind her positions.
		assert_eq!(
			<Confidential as HiddenCollateral<AccountId>>::floor(&acct(ALICE, 0)),
			7_000 * USD_UNIT
		);
	});
}

/// An inbox entry is paid for by its sender: the deposit is held while the transfer waits and
/// released to the sender when it is accepted, rejected or taken back; a sender who cannot put
/// it on hold sends nothing.
#[test]
fn every_inbox_entry_holds_a_deposit_of_its_sender_until_it_leaves_the_inbox() {
	use polkadot_sdk::frame_support::traits::fungible::{Inspect, InspectHold, Mutate};
	build_and_execute(|| {
		let hidden = alice_hidden_10k();
		enable(BOB);
		let reason: RuntimeHoldReason = HoldReason::InboxEntry.into();
		let held = |who| Balances::balance_on_hold(&reason, &who);
		let (a, b, c) = (Opening::random(100), Opening::random(200), Opening::random(300));
		let (p, rest) = transfer_proof(&hidden, &a, 0, 0, acct(BOB, 0));
		assert_ok!(transfer(acct(BOB, 0), &a, p));
		let (p, rest) = transfer_proof(&rest, &b, 1, 0, acct(BOB, 0));
		assert_ok!(transfer(acct(BOB, 0), &b, p));
		assert_eq!(held(ALICE), 2 * INBOX_DEPOSIT);
		assert_eq!(Balances::balance(&ALICE), NATIVE - 2 * INBOX_DEPOSIT);
		assert_eq!(held(BOB), 0);
		assert_eq!(Inbox::<Test>::get(acct(BOB, 0), 0).unwrap().deposit, INBOX_DEPOSIT);
		// Accepted: the sender gets its deposit back, the receiver pays nothing.
		assert_ok!(Confidential::accept(
			RuntimeOrigin::signed(BOB),
			0,
			0,
			accept_proof(BOB, 0, 0, &a)
		));
		assert_eq!(held(ALICE), INBOX_DEPOSIT);
		// Rejected: back too.
		assert_ok!(Confidential::reclaim(RuntimeOrigin::signed(BOB), 0, acct(BOB, 0), 1));
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), NATIVE);
		// Without the deposit's worth free (the existential deposit stays), nothing is sent.
		<Balances as Mutate<AccountId>>::set_balance(&ALICE, INBOX_DEPOSIT);
		let back = Opening { value: rest.value + b.value, blinding: rest.blinding + b.blinding };
		let (p, _) = transfer_proof(&back, &c, 2, 0, acct(BOB, 0));
		assert_noop!(transfer(acct(BOB, 0), &c, p.clone()), Error::<Test>::CannotHoldDeposit);
		// With it, the same transfer goes.
		<Balances as Mutate<AccountId>>::set_balance(&ALICE, NATIVE);
		assert_ok!(transfer(acct(BOB, 0), &c, p));
		assert_eq!(held(ALICE), INBOX_DEPOSIT);
	});
}

#[test]
fn inboxes_are_bounded_and_a_transfer_goes_back_rejected_or_expired_never_lost() {
	build_and_execute(|| {
		let hidden = alice_hidden_10k();
		enable(BOB);
		let signed = RuntimeOrigin::signed;
		let (a, b, c) = (Opening::random(100), Opening::random(200), Opening::random(300));
		let (p, rest) = transfer_proof(&hidden, &a, 0, 0, acct(BOB, 0));
		assert_ok!(transfer(acct(BOB, 0), &a, p));
		let (p, rest) = transfer_proof(&rest, &b, 1, 0, acct(BOB, 0));
		assert_ok!(transfer(acct(BOB, 0), &b, p));
		let (p, _) = transfer_proof(&rest, &c, 2, 0, acct(BOB, 0));
		assert_noop!(transfer(acct(BOB, 0), &c, p), Error::<Test>::InboxFull);
		// Only Bob may accept; a proof for another transfer does not open this one.
		assert_noop!(
			Confidential::accept(signed(CHARLIE), 0, 0, accept_proof(CHARLIE, 0, 0, &a)),
			Error::<Test>::NotEnabled
		);
		assert_noop!(
			Confidential::accept(signed(BOB), 0, 0, accept_proof(BOB, 0, 1, &a)),
			Error::<Test>::ProofInvalid
		);
		assert_noop!(
			Confidential::accept(signed(BOB), 0, 0, accept_proof(BOB, 0, 0, &b)),
			Error::<Test>::ProofInvalid
		);
		assert_noop!(
			Confidential::accept(signed(BOB), 0, 9, accept_proof(BOB, 0, 9, &a)),
			Error::<Test>::UnknownTransfer
		);
		// Bob rejects the first: it is back in Alice's commitment.
		let before = commitment(ALICE);
		assert_ok!(Confidential::reclaim(signed(BOB), 0, acct(BOB, 0), 0));
		System::assert_last_event(
			Event::TransferReturned { from: acct(ALICE, 0), to: acct(BOB, 0), id: 0 }.into(),
		);
		assert_eq!(Commitment(before).add(&a.commitment()).unwrap().0, commitment(ALICE));
		// Alice may take back the second only once it has expired.
		assert_noop!(
			Confidential::reclaim(signed(ALICE), 0, acct(BOB, 0), 1),
			Error::<Test>::NotExpired
		);
		NOW.with(|n| n.set(T0 + EXPIRY_MS));
		assert_ok!(Confidential::reclaim(signed(ALICE), 0, acct(BOB, 0), 1));
		assert_eq!(InboxCount::<Test>::get(acct(BOB, 0)), 0);
		assert_noop!(
			Confidential::reclaim(signed(ALICE), 0, acct(BOB, 0), 1),
			Error::<Test>::UnknownTransfer
		);
		// All of it is Alice's again: she proves 10,000 and takes it out.
		assert_eq!(commitment(ALICE), hidden.commitment().0);
		let p = unshield_proof(ALICE, &hidden, 2, 10_000 * USD_UNIT);
		assert_ok!(Confidential::unshield(signed(ALICE), 0, 10_000 * USD_UNIT, p));
	});
}
