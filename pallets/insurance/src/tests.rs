//! Tests of the insurance pallet over the real vaults.

use crate::{mock::*, Error, Event};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok},
	sp_runtime::DispatchError,
};

#[test]
fn donations_reach_the_fund_through_the_vault() {
	build_and_execute(|| {
		assert_ok!(Insurance::donate(RuntimeOrigin::signed(ALICE), 400_000));
		assert_eq!(Insurance::balance(), 400_000);
		use polkadot_sdk::frame_support::traits::fungibles::Inspect;
		assert_eq!(<Assets as Inspect<_>>::balance(USD, &ALICE), 600_000);
		assert_eq!(<Assets as Inspect<_>>::balance(USD, &Vaults::vault_account()), 400_000);
		assert_eq!(
			System::events().last().unwrap().event,
			RuntimeEvent::Insurance(Event::Donated { donor: ALICE, amount: 400_000 })
		);
		assert_noop!(Insurance::donate(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::ZeroAmount);
		// More than the wallet holds: the token's own error, nothing moves.
		assert!(Insurance::donate(RuntimeOrigin::signed(ALICE), 700_000).is_err());
		assert_eq!(Insurance::balance(), 400_000);
		Vaults::do_try_state().unwrap();
	});
}

#[test]
fn only_a_referendum_withdraws() {
	build_and_execute(|| {
		assert_ok!(Insurance::donate(RuntimeOrigin::signed(ALICE), 400_000));
		assert_noop!(
			Insurance::withdraw(RuntimeOrigin::signed(ALICE), ALICE, 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Insurance::withdraw(RuntimeOrigin::root(), ALICE, 400_001),
			Error::<Test>::InsufficientFund
		);
		assert_noop!(
			Insurance::withdraw(RuntimeOrigin::root(), ALICE, 0),
			Error::<Test>::ZeroAmount
		);
		assert_ok!(Insurance::withdraw(RuntimeOrigin::root(), 7, 150_000));
		assert_eq!(Insurance::balance(), 250_000);
		assert_eq!(
			Vaults::balance_of(&crate::MarginAccount::cross(7), 0),
			150_000,
			"paid into the recipient's cross-margin account"
		);
		assert_eq!(
			System::events().last().unwrap().event,
			RuntimeEvent::Insurance(Event::Withdrawn { to: 7, amount: 150_000 })
		);
		Vaults::do_try_state().unwrap();
	});
}

#[test]
fn the_funds_further_books_count_and_move_in_before_a_withdrawal() {
	build_and_execute(|| {
		assert_ok!(Insurance::donate(RuntimeOrigin::signed(ALICE), 100_000));
		// Cash realised in a further book (the runtime: a backstop position's profit).
		assert_ok!(Vaults::do_deposit(&ALICE, &Book::get(), 0, 50_000));
		assert_eq!(Insurance::balance(), 150_000);
		// More than the fund's own account holds, within the whole: the book's cash moves in.
		assert_ok!(Insurance::withdraw(RuntimeOrigin::root(), 7, 120_000));
		assert_eq!(Vaults::balance_of(&Book::get(), 0), 0);
		assert_eq!(Vaults::balance_of(&Fund::get(), 0), 30_000);
		assert_eq!(Insurance::balance(), 30_000);
		assert_noop!(
			Insurance::withdraw(RuntimeOrigin::root(), 7, 30_001),
			Error::<Test>::InsufficientFund
		);
		Vaults::do_try_state().unwrap();
	});
}
