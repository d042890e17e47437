//! Benchmarks with real proofs, made in the runtime by the prover library with a
//! transcript-keyed RNG (predictable blindings: fine for a benchmark, never for a wallet).
//! Each verification runs in full and succeeds: its longest path (a failing proof stops at
//! the same final check or earlier).

use super::*;
use clearinghouse_zk::{
	prover::{self, Opening},
	Operation, Scalar,
};
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;
use polkadot_sdk::frame_benchmarking;
use polkadot_sdk::frame_support::traits::Get;

const KEY: [u8; 32] = [3; 32];
/// 100,000 USD (six decimals): more than the largest band book needs at the band's ends.
const AMOUNT: u128 = 100_000_000_000;

fn opening(value: u64) -> Opening {
	Opening { value, blinding: Scalar::from(0x5eed_u64) }
}

fn proof(bytes: &[u8]) -> Proof {
	Proof::truncate_from(bytes.to_vec())
}

/// `caller`'s sub-account 0, confidential, its hidden balance `AMOUNT` shielded from a funded
/// public balance.
fn confidential<T: Config>(caller: &T::AccountId) -> MarginAccount<T::AccountId> {
	let account = MarginAccount::new(caller.clone(), 0);
	T::BenchmarkHelper::fund(&account, AMOUNT * 2);
	fund_native::<T>(caller);
	Accounts::<T>::insert(
		&account,
		ConfidentialAccount {
			commitment: opening(0).commitment().0,
			version: 0,
			floor: 0,
			key: KEY,
		},
	);
	Pallet::<T>::shield(RawOrigin::Signed(caller.clone()).into(), 0, AMOUNT).unwrap();
	account
}

/// Enough of the native currency for `who` to pay inbox deposits.
fn fund_native<T: Config>(who: &T::AccountId) {
	use frame_support::traits::fungible::{Inspect, Mutate};
	let ed = T::Currency::minimum_balance();
	T::Currency::set_balance(who, ed.saturating_add(T::InboxDeposit::get().saturating_mul(10)));
}

/// Another confidential account (a receiver).
fn receiver<T: Config>() -> MarginAccount<T::AccountId> {
	receiver_of::<T>(account::<T::AccountId>("receiver", 0, 0))
}

/// `who`'s sub-account 0, confidential, holding nothing (a receiver).
fn receiver_of<T: Config>(who: T::AccountId) -> MarginAccount<T::AccountId> {
	let account = MarginAccount::new(who, 0);
	Accounts::<T>::insert(
		&account,
		ConfidentialAccount {
			commitment: opening(0).commitment().0,
			version: 1,
			floor: 0,
			key: KEY,
		},
	);
	account
}

/// A transfer of `amount` from `from` waiting in `to`'s inbox under id 0.
fn pending<T: Config>(
	to: &MarginAccount<T::AccountId>,
	from: &MarginAccount<T::AccountId>,
	amount: &Opening,
	expires: Moment,
) {
	Accounts::<T>::mutate(to, |s| {
		if let Some(s) = s {
			s.version = 1;
		}
	});
	Inbox::<T>::insert(
		to,
		0,
		PendingTransfer {
			from: from.clone(),
			amount: amount.commitment().0,
			sealed: Sealed::truncate_from(alloc::vec![7; MAX_SEALED_LEN as usize]),
			expires,
			deposit: T::InboxDeposit::get(),
		},
	);
	InboxCount::<T>::insert(to, 1);
	// The deposit really is on hold: releasing it is part of what is measured.
	use frame_support::traits::fungible::MutateHold;
	fund_native::<T>(&from.owner);
	T::Currency::hold(&HoldReason::InboxEntry.into(), &from.owner, T::InboxDeposit::get())
		.expect("funded");
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// An opening proof verified.
	#[benchmark]
	fn enable() {
		let caller: T::AccountId = whitelisted_caller();
		let encoded = MarginAccount::new(caller.clone(), 0).encode();
		let statement = Pallet::<T>::statement(Operation::Enable, &encoded, 0, &KEY);
		let zero = opening(0);
		let p = prover::prove_opening(&statement, &zero, &mut prover::seeded_rng(b"enable"));
		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), 0, KEY, zero.commitment().0, proof(&p));
		assert!(Accounts::<T>::contains_key(MarginAccount::new(caller, 0)));
	}

	/// A ledger transfer into the pool and the commitment moved.
	#[benchmark]
	fn shield() {
		let caller: T::AccountId = whitelisted_caller();
		let account = confidential::<T>(&caller);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), 0, AMOUNT);
		assert_eq!(PoolTotal::<T>::get(), AMOUNT * 2);
		assert!(Accounts::<T>::contains_key(account));
	}

	/// A range proof verified (generators derived as every verification does) and a ledger
	/// transfer out of the pool.
	#[benchmark]
	fn unshield() {
		let caller: T::AccountId = whitelisted_caller();
		let account = confidential::<T>(&caller);
		let encoded = account.encode();
		let public = AMOUNT.encode();
		let statement = Pallet::<T>::statement(Operation::Unshield, &encoded, 0, &public);
		let remainder = opening(AMOUNT as u64).add_value(-(AMOUNT as i128)).unwrap();
		let (p, _) = prover::prove_range_with_rng(
			&statement,
			&[remainder],
			&mut prover::seeded_rng(b"unshield"),
		)
		.unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), 0, AMOUNT, proof(&p));
		assert_eq!(Accounts::<T>::get(account).unwrap().version, 1);
		assert_eq!(PoolTotal::<T>::get(), 0);
	}

	/// A two-value range proof verified, the largest book a band covers valued at both ends,
	/// and its liquidation check (the three valuations the call makes).
	#[benchmark]
	fn prove_band() {
		let caller: T::AccountId = whitelisted_caller();
		let account = confidential::<T>(&caller);
		let underlying = OracleKey::from_symbol("BTC").unwrap_or_default();
		let (low, high) = T::BenchmarkHelper::band(&account, underlying);
		let ends = [low, high]
			.map(|p| T::Margin::surplus_at(&account, underlying, p).expect("a book a band covers"));
		let openings = ends.map(|s| opening(AMOUNT as u64).add_value(s).unwrap());
		let encoded = account.encode();
		let public = (underlying, low, high, 0u128).encode();
		let statement = clearinghouse_zk::Statement {
			epoch: Pallet::<T>::epoch(),
			..Pallet::<T>::statement(Operation::Band, &encoded, 0, &public)
		};
		let (p, _) =
			prover::prove_range_with_rng(&statement, &openings, &mut prover::seeded_rng(b"band"))
				.unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), 0, underlying, low, high, 0, proof(&p));
		assert!(Bands::<T>::contains_key(account));
	}

	/// The margin engine's liquidation check of an account with a floor.
	#[benchmark]
	fn start_grace() {
		let caller: T::AccountId = whitelisted_caller();
		let account = confidential::<T>(&caller);
		Accounts::<T>::mutate(&account, |s| {
			if let Some(s) = s {
				s.floor = AMOUNT as i128;
			}
		});
		T::Margin::floor_changed(&account, AMOUNT);
		T::BenchmarkHelper::make_liquidatable(&account, AMOUNT);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), account.clone());
		assert!(GraceUntil::<T>::contains_key(account));
	}

	/// A two-value range proof verified and the receiver's inbox written.
	#[benchmark]
	fn transfer() {
		let caller: T::AccountId = whitelisted_caller();
		let from = confidential::<T>(&caller);
		let to = receiver::<T>();
		let amount = Opening { value: 1_000, blinding: Scalar::from(7u64) };
		let hidden = opening(AMOUNT as u64);
		let rest = Opening {
			value: hidden.value - amount.value,
			blinding: hidden.blinding - amount.blinding,
		};
		let sealed = Sealed::truncate_from(alloc::vec![7; MAX_SEALED_LEN as usize]);
		let encoded = from.encode();
		let public = (&to, amount.commitment().0, &sealed).encode();
		let statement = Pallet::<T>::statement(Operation::Transfer, &encoded, 0, &public);
		let (p, _) = prover::prove_range_with_rng(
			&statement,
			&[amount, rest],
			&mut prover::seeded_rng(b"transfer"),
		)
		.unwrap();
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), 0, to.clone(), amount.commitment().0, sealed, proof(&p));
		assert_eq!(InboxCount::<T>::get(to), 1);
	}

	/// A knowledge proof verified and the transfer added.
	#[benchmark]
	fn accept() {
		let caller: T::AccountId = whitelisted_caller();
		let to = confidential::<T>(&caller);
		let amount = Opening { value: 1_000, blinding: Scalar::from(7u64) };
		pending::<T>(&to, &receiver::<T>(), &amount, Moment::MAX);
		let encoded = to.encode();
		let public = 0u64.encode();
		let statement = Pallet::<T>::statement(Operation::Accept, &encoded, 1, &public);
		let p = prover::prove_knowledge(&statement, &amount, &mut prover::seeded_rng(b"accept"));
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), 0, 0, proof(&p));
		assert_eq!(InboxCount::<T>::get(to), 0);
	}

	/// The receiver rejecting a transfer: the sender's commitment and its deposit's hold (an
	/// account other than the caller) are written. (The other path, a sender taking back an
	/// expired transfer, reads one inbox more but writes its own, already-loaded account.)
	#[benchmark]
	fn reclaim() {
		let caller: T::AccountId = whitelisted_caller();
		let from = confidential::<T>(&account::<T::AccountId>("sender", 0, 0));
		let to = receiver_of::<T>(caller.clone());
		let amount = Opening { value: 1_000, blinding: Scalar::from(7u64) };
		pending::<T>(&to, &from, &amount, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(caller), 0, to.clone(), 0);
		assert_eq!(InboxCount::<T>::get(to), 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
