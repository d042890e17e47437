//! Tests of the vaults pallet: every call through the runtime's dispatch (so storage layers and
//! origins are the real ones), every error path with `assert_noop!` (the storage root must not
//! change), and a property test over random sequences of ledger operations.

use crate::{mock::*, Error, Event, *};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		dispatch::DispatchResultWithPostInfo,
		traits::{fungible::NativeOrWithId, fungibles::Inspect, UnfilteredDispatchable},
	},
	sp_arithmetic::{FixedU128, Permill},
	sp_runtime::{ArithmeticError, DispatchError, TokenError},
};

type Tokens = polkadot_sdk::frame_support::traits::fungible::UnionOf<
	Balances,
	Assets,
	polkadot_sdk::frame_support::traits::fungible::NativeFromLeft,
	Asset,
	AccountId,
>;

const USD_UNIT: u128 = 1_000_000;
const BTC_UNIT: u128 = 100_000_000;
const CLR_UNIT: u128 = 1_000_000_000_000;

fn dispatch(who: AccountId, call: crate::Call<Test>) -> DispatchResultWithPostInfo {
	call.dispatch_bypass_filter(RuntimeOrigin::signed(who))
}
fn dispatch_root(call: crate::Call<Test>) -> DispatchResultWithPostInfo {
	call.dispatch_bypass_filter(RuntimeOrigin::root())
}
fn deposit(who: AccountId, collateral: u16, amount: u128, sub: u8) -> DispatchResultWithPostInfo {
	dispatch(who, crate::Call::deposit { collateral, amount, sub })
}
fn withdraw(who: AccountId, collateral: u16, amount: u128, sub: u8) -> DispatchResultWithPostInfo {
	dispatch(who, crate::Call::withdraw { collateral, amount, sub })
}
fn transfer(
	who: AccountId,
	collateral: u16,
	amount: u128,
	from_sub: u8,
	to_sub: u8,
) -> DispatchResultWithPostInfo {
	dispatch(who, crate::Call::transfer { collateral, amount, from_sub, to_sub })
}
fn asset_of(collateral: u16) -> Asset {
	CollateralAssets::<Test>::get(collateral).unwrap()
}
fn wallet(who: AccountId, collateral: u16) -> u128 {
	Tokens::balance(asset_of(collateral), &who)
}
fn vault(collateral: u16) -> u128 {
	Tokens::balance(asset_of(collateral), &Vaults::vault_account())
}
fn bal(who: AccountId, sub: u8, collateral: u16) -> i128 {
	Vaults::balance_of(&MarginAccount::new(who, sub), collateral)
}
fn held(collateral: u16) -> u128 {
	Collaterals::<Test>::get(collateral).unwrap().held
}
fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}
fn margin(who: AccountId, sub: u8) -> MarginAccount<AccountId> {
	MarginAccount::new(who, sub)
}
/// Alice loses `amount` USD of PnL to Bob (both cross margin).
fn pnl(from: AccountId, to: AccountId, amount: u128) -> Result<(), DispatchError> {
	<Vaults as CollateralLedger<AccountId>>::transfer_settlement(
		&margin(from, 0),
		&margin(to, 0),
		amount,
		SettlementReason::Pnl,
	)
}

// ---------------------------------------------------------------------------------------------
// Deposits

#[test]
fn deposit_moves_tokens_into_the_vault_and_credits_the_sub_account() {
	build_and_execute(|| {
		let before = wallet(ALICE, BTC);
		assert_ok!(deposit(ALICE, BTC, 2 * BTC_UNIT, 1));
		assert_eq!(wallet(ALICE, BTC), before - 2 * BTC_UNIT);
		assert_eq!(vault(BTC), 2 * BTC_UNIT);
		assert_eq!(bal(ALICE, 1, BTC), (2 * BTC_UNIT) as i128);
		assert_eq!(bal(ALICE, 0, BTC), 0);
		assert_eq!(held(BTC), 2 * BTC_UNIT);
		assert_eq!(
			last_event(),
			RuntimeEvent::Vaults(Event::Deposited {
				owner: ALICE,
				sub: 1,
				collateral: BTC,
				amount: 2 * BTC_UNIT,
				payer: ALICE,
			})
		);
		Vaults::do_try_state().unwrap();
	});
}

fn withdraw_to(
	who: AccountId,
	collateral: u16,
	amount: u128,
	sub: u8,
	destination: u64,
) -> DispatchResultWithPostInfo {
	dispatch(who, crate::Call::withdraw_to { collateral, amount, sub, destination })
}

#[test]
fn withdraw_to_another_chain_debits_the_ledger_and_sends_the_tokens() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, BTC, 2 * BTC_UNIT, 1));
		let wallet_before = wallet(ALICE, BTC);
		assert_ok!(withdraw_to(ALICE, BTC, BTC_UNIT, 1, 7));
		// The ledger and the vault paid out; the wallet passed it straight on.
		assert_eq!(bal(ALICE, 1, BTC), BTC_UNIT as i128);
		assert_eq!(vault(BTC), BTC_UNIT);
		assert_eq!(wallet(ALICE, BTC), wallet_before);
		assert_eq!(TestOutbound::sent(), vec![(ALICE, asset_of(BTC), BTC_UNIT, 7)]);
		assert_eq!(
			last_event(),
			RuntimeEvent::Vaults(Event::SentOut {
				owner: ALICE,
				sub: 1,
				collateral: BTC,
				amount: BTC_UNIT,
				destination: 7,
			})
		);
		Vaults::do_try_state().unwrap();
	});
}

#[test]
fn withdraw_to_changes_nothing_when_the_route_or_the_margin_engine_refuses() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, BTC, 2 * BTC_UNIT, 0));
		// The route fails after the ledger paid the wallet: all of it is undone.
		assert_noop!(
			withdraw_to(ALICE, BTC, BTC_UNIT, 0, UNREACHABLE),
			DispatchError::Other("unreachable")
		);
		TestGuard::close(true);
		assert_noop!(withdraw_to(ALICE, BTC, BTC_UNIT, 0, 7), DispatchError::Other(GUARD_ERROR));
		TestGuard::close(false);
		assert_noop!(
			withdraw_to(ALICE, BTC, 3 * BTC_UNIT, 0, 7),
			Error::<Test>::InsufficientBalance
		);
		assert!(TestOutbound::sent().is_empty());
	});
}

#[test]
fn native_token_deposits_like_any_other_asset() {
	build_and_execute(|| {
		let before = Balances::free_balance(ALICE);
		assert_ok!(deposit(ALICE, CLR, 400 * CLR_UNIT, 0));
		assert_eq!(Balances::free_balance(ALICE), before - 400 * CLR_UNIT);
		assert_eq!(Balances::free_balance(Vaults::vault_account()), 400 * CLR_UNIT);
		// The whole wallet may go in: the vault keeps itself alive, the wallet may empty.
		assert_ok!(deposit(ALICE, CLR, 600 * CLR_UNIT, 0));
		assert_eq!(Balances::free_balance(ALICE), 0);
		assert_eq!(bal(ALICE, 0, CLR), (1_000 * CLR_UNIT) as i128);
		// And all of it out again, leaving the vault with nothing but still existing.
		assert_ok!(withdraw(ALICE, CLR, 1_000 * CLR_UNIT, 0));
		assert_eq!(Balances::free_balance(Vaults::vault_account()), 0);
		assert!(System::account_exists(&Vaults::vault_account()));
		Vaults::do_try_state().unwrap();
	});
}

#[test]
fn settlement_deposit_repays_debt_first() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 0));
		assert_ok!(pnl(ALICE, BOB, 1_000 * USD_UNIT));
		assert_eq!(bal(ALICE, 0, USD), -((1_000 * USD_UNIT) as i128));
		assert_ok!(deposit(ALICE, USD, 1_500 * USD_UNIT, 0));
		assert_eq!(bal(ALICE, 0, USD), (500 * USD_UNIT) as i128);
		// The vault holds what was deposited; Σ ledger = 500 (Alice) + 1,000 (Bob).
		assert_eq!(held(USD), 1_500 * USD_UNIT);
		assert_eq!(vault(USD), 1_500 * USD_UNIT);
		Vaults::do_try_state().unwrap();
	});
}

#[test]
fn deposit_errors_change_nothing() {
	build_and_execute(|| {
		assert_noop!(deposit(ALICE, BTC, 0, 0), Error::<Test>::ZeroAmount);
		assert_noop!(deposit(ALICE, BTC, BTC_UNIT, 4), Error::<Test>::SubAccountOutOfRange);
		assert_noop!(deposit(ALICE, 7, BTC_UNIT, 0), Error::<Test>::UnknownCollateral);
		// More than the wallet holds: the token's own error.
		assert_noop!(deposit(ALICE, BTC, 6 * BTC_UNIT, 0), TokenError::FundsUnavailable);
		// Nothing at all happened: no ledger, no holding.
		assert_eq!(held(BTC), 0);
		assert!(Ledgers::<Test>::iter().next().is_none());
	});
}

#[test]
fn caps_are_enforced_per_account_and_in_total() {
	build_and_execute(|| {
		let mut config = btc_config();
		config.account_cap = 3 * BTC_UNIT;
		config.deposit_cap = 5 * BTC_UNIT;
		assert_ok!(dispatch_root(crate::Call::update_collateral { id: BTC, config }));
		assert_ok!(deposit(ALICE, BTC, 3 * BTC_UNIT, 0));
		assert_noop!(deposit(ALICE, BTC, 1, 0), Error::<Test>::AccountCapExceeded);
		// Another sub-account of the same owner has its own cap.
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 1));
		assert_noop!(deposit(BOB, BTC, BTC_UNIT + 1, 0), Error::<Test>::DepositCapExceeded);
		assert_ok!(deposit(BOB, BTC, BTC_UNIT, 0));
		assert_eq!(held(BTC), 5 * BTC_UNIT);
		// A transfer into a full account is refused as well.
		assert_noop!(transfer(ALICE, BTC, BTC_UNIT, 1, 0), Error::<Test>::AccountCapExceeded);
	});
}

#[test]
fn withdraw_only_collateral_refuses_deposits_but_pays_out() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 0));
		let config = CollateralConfig { status: CollateralStatus::WithdrawOnly, ..btc_config() };
		assert_ok!(dispatch_root(crate::Call::update_collateral { id: BTC, config }));
		assert_noop!(deposit(ALICE, BTC, BTC_UNIT, 0), Error::<Test>::CollateralNotAccepting);
		assert_ok!(transfer(ALICE, BTC, BTC_UNIT / 2, 0, 1));
		assert_ok!(withdraw(ALICE, BTC, BTC_UNIT / 2, 0));
		assert_eq!(wallet(ALICE, BTC), 5 * BTC_UNIT - BTC_UNIT / 2);
	});
}

#[test]
fn deposits_that_overflow_are_refused() {
	build_and_execute(|| {
		let config =
			CollateralConfig { deposit_cap: u128::MAX, account_cap: u128::MAX, ..clr_config() };
		assert_ok!(dispatch_root(crate::Call::update_collateral { id: CLR, config }));
		// Above i128::MAX cannot be a ledger balance.
		assert_noop!(deposit(ALICE, CLR, u128::MAX, 0), ArithmeticError::Overflow);
		assert_noop!(pnl(ALICE, BOB, u128::MAX), ArithmeticError::Overflow);
	});
}

#[test]
fn credit_deposit_routes_by_asset_into_the_same_path() {
	build_and_execute(|| {
		// A route (XCM, ISMP) that received tokens in a holding account credits a beneficiary.
		assert_ok!(<Vaults as CollateralLedger<AccountId>>::credit_deposit(
			&CHARLIE,
			&margin(BOB, 2),
			NativeOrWithId::WithId(BTC_ASSET),
			BTC_UNIT,
		));
		assert_eq!(bal(BOB, 2, BTC), BTC_UNIT as i128);
		assert_eq!(wallet(CHARLIE, BTC), 4 * BTC_UNIT);
		assert_eq!(
			last_event(),
			RuntimeEvent::Vaults(Event::Deposited {
				owner: BOB,
				sub: 2,
				collateral: BTC,
				amount: BTC_UNIT,
				payer: CHARLIE,
			})
		);
		assert_noop!(
			<Vaults as CollateralLedger<AccountId>>::credit_deposit(
				&CHARLIE,
				&margin(BOB, 0),
				NativeOrWithId::WithId(OTHER_ASSET),
				10,
			),
			Error::<Test>::UnknownCollateral
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Withdrawals and transfers

#[test]
fn withdraw_pays_the_wallet_and_debits_the_ledger() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, USD, 1_000 * USD_UNIT, 2));
		assert_ok!(withdraw(ALICE, USD, 400 * USD_UNIT, 2));
		assert_eq!(bal(ALICE, 2, USD), (600 * USD_UNIT) as i128);
		assert_eq!(wallet(ALICE, USD), 99_400 * USD_UNIT);
		assert_eq!(vault(USD), 600 * USD_UNIT);
		assert_eq!(
			last_event(),
			RuntimeEvent::Vaults(Event::Withdrawn {
				owner: ALICE,
				sub: 2,
				collateral: USD,
				amount: 400 * USD_UNIT,
				to: ALICE,
			})
		);
		// Emptying the account removes its ledger entry.
		assert_ok!(withdraw(ALICE, USD, 600 * USD_UNIT, 2));
		assert!(!Ledgers::<Test>::contains_key(margin(ALICE, 2)));
		Vaults::do_try_state().unwrap();
	});
}

#[test]
fn withdraw_errors_change_nothing() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 1));
		assert_noop!(withdraw(ALICE, BTC, 0, 1), Error::<Test>::ZeroAmount);
		assert_noop!(withdraw(ALICE, BTC, 1, 9), Error::<Test>::SubAccountOutOfRange);
		assert_noop!(withdraw(ALICE, 7, 1, 1), Error::<Test>::UnknownCollateral);
		assert_noop!(withdraw(ALICE, BTC, BTC_UNIT + 1, 1), Error::<Test>::InsufficientBalance);
		// Another sub-account's balance is not this one's.
		assert_noop!(withdraw(ALICE, BTC, 1, 0), Error::<Test>::InsufficientBalance);
		// Another owner's balance neither.
		assert_noop!(withdraw(BOB, BTC, 1, 1), Error::<Test>::InsufficientBalance);
		// Settlement withdrawals never create debt.
		assert_noop!(withdraw(ALICE, USD, 1, 1), Error::<Test>::InsufficientBalance);
	});
}

#[test]
fn the_margin_engine_can_refuse_a_withdrawal_or_transfer_and_nothing_moves() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, USD, 1_000 * USD_UNIT, 0));
		TestGuard::close(true);
		assert_noop!(withdraw(ALICE, USD, USD_UNIT, 0), DispatchError::Other(GUARD_ERROR));
		assert_noop!(transfer(ALICE, USD, USD_UNIT, 0, 1), DispatchError::Other(GUARD_ERROR));
		// Deposits are never gated by the margin engine.
		assert_ok!(deposit(ALICE, USD, USD_UNIT, 0));
		// Called from outside a dispatch (another pallet, an XCM route) it is still undone.
		let root = polkadot_sdk::sp_io::storage::root(polkadot_sdk::sp_runtime::StateVersion::V1);
		assert!(Vaults::do_withdraw(&margin(ALICE, 0), USD, USD_UNIT, &ALICE).is_err());
		assert_eq!(
			polkadot_sdk::sp_io::storage::root(polkadot_sdk::sp_runtime::StateVersion::V1),
			root
		);
		TestGuard::close(false);
		assert_ok!(withdraw(ALICE, USD, USD_UNIT, 0));
	});
}

/// A withdrawal or transfer declares the largest account the margin engine allows and is
/// charged for the positions the account holds (the guard's check values each).
#[test]
fn an_outflow_is_charged_the_positions_its_account_holds() {
	build_and_execute(|| {
		use crate::WeightInfo;
		use polkadot_sdk::frame_support::{
			dispatch::GetDispatchInfo, traits::Get, weights::Weight,
		};
		assert_ok!(deposit(ALICE, USD, 1_000 * USD_UNIT, 0));
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 0));
		TestGuard::hold(3);
		let call = crate::Call::<Test>::withdraw { collateral: USD, amount: USD_UNIT, sub: 0 };
		let declared = call.get_dispatch_info().total_weight();
		let max = <Test as crate::Config>::MaxCollaterals::get();
		assert_eq!(
			declared,
			<() as WeightInfo>::withdraw(max, 8).saturating_add(Weight::from_parts(8_000_000, 0))
		);
		let post = withdraw(ALICE, USD, USD_UNIT, 0).unwrap();
		let three =
			<() as WeightInfo>::withdraw(2, 3).saturating_add(Weight::from_parts(3_000_000, 0));
		assert_eq!(post.actual_weight, Some(three));
		let post = transfer(ALICE, USD, USD_UNIT, 0, 1).unwrap();
		let three =
			<() as WeightInfo>::transfer(2, 3).saturating_add(Weight::from_parts(3_000_000, 0));
		assert_eq!(post.actual_weight, Some(three));
		Vaults::do_try_state().unwrap();
	});
}

#[test]
fn transfer_moves_between_sub_accounts_only() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, BTC, 2 * BTC_UNIT, 0));
		let vault_before = vault(BTC);
		assert_ok!(transfer(ALICE, BTC, BTC_UNIT, 0, 3));
		assert_eq!(bal(ALICE, 0, BTC), BTC_UNIT as i128);
		assert_eq!(bal(ALICE, 3, BTC), BTC_UNIT as i128);
		assert_eq!(vault(BTC), vault_before);
		assert_eq!(held(BTC), 2 * BTC_UNIT);
		assert_eq!(
			last_event(),
			RuntimeEvent::Vaults(Event::Transferred {
				owner: ALICE,
				from_sub: 0,
				to_sub: 3,
				collateral: BTC,
				amount: BTC_UNIT,
			})
		);
		assert_noop!(transfer(ALICE, BTC, 1, 0, 0), Error::<Test>::SameAccount);
		assert_noop!(transfer(ALICE, BTC, 0, 0, 1), Error::<Test>::ZeroAmount);
		assert_noop!(transfer(ALICE, BTC, 1, 0, 4), Error::<Test>::SubAccountOutOfRange);
		assert_noop!(transfer(ALICE, BTC, 1, 4, 0), Error::<Test>::SubAccountOutOfRange);
		assert_noop!(transfer(ALICE, 7, 1, 0, 1), Error::<Test>::UnknownCollateral);
		assert_noop!(transfer(ALICE, BTC, BTC_UNIT + 1, 0, 1), Error::<Test>::InsufficientBalance);
		Vaults::do_try_state().unwrap();
	});
}

// ---------------------------------------------------------------------------------------------
// Valuation, debt and the settlement asset

#[test]
fn valuation_applies_haircuts_prices_and_decimals() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, USD, 1_000 * USD_UNIT, 0));
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT / 2, 0));
		assert_ok!(deposit(ALICE, CLR, 100 * CLR_UNIT, 0));
		// 1,000 USD at par + 0.5 BTC · 60,000 · 90% + 100 CLR · 0.5 · 50%.
		let expected = 1_000 * USD_UNIT + 27_000 * USD_UNIT + 25 * USD_UNIT;
		assert_eq!(
			Vaults::collateral_value(&margin(ALICE, 0)).unwrap(),
			CollateralValuation { value: expected as i128, unpriced: 0 }
		);
		// The same through the trait other pallets use.
		assert_eq!(
			<Vaults as CollateralLedger<AccountId>>::collateral_value(&margin(ALICE, 0))
				.unwrap()
				.value,
			expected as i128
		);
		// Isolated sub-accounts only see their own collateral.
		assert_eq!(Vaults::collateral_value(&margin(ALICE, 1)).unwrap(), Default::default());
	});
}

#[test]
fn a_what_if_valuation_writes_nothing_and_refuses_what_a_withdrawal_would() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, USD, 1_000 * USD_UNIT, 0));
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT / 2, 0));
		let account = margin(ALICE, 0);
		let before = Vaults::collateral_value(&account).unwrap();
		let root = polkadot_sdk::sp_io::storage::root(polkadot_sdk::sp_runtime::StateVersion::V1);
		let usd = |amount: u128| (amount * USD_UNIT) as i128;
		// A realised loss of 1,500 USD takes the settlement balance negative (debt); half a
		// BTC more counts 27,000 after the 10% haircut.
		let what_if = <Vaults as CollateralLedger<AccountId>>::collateral_value_with(
			&account,
			-usd(1_500),
			&[(BTC, (BTC_UNIT / 2) as i128)],
		)
		.unwrap();
		assert_eq!(what_if.value, before.value + usd(27_000) - usd(1_500));
		// An asset the account does not hold yet (CLR: 100 at 0.5, 50% off).
		assert_eq!(
			Vaults::collateral_value_with(&account, 0, &[(CLR, (100 * CLR_UNIT) as i128)])
				.unwrap()
				.value,
			before.value + usd(25)
		);
		// A withdrawal may not take a balance below zero, the settlement asset's included; a
		// deposit may follow a loss that did.
		assert_eq!(
			Vaults::collateral_value_with(&account, 0, &[(BTC, -((BTC_UNIT / 2) as i128) - 1)]),
			Err(Error::<Test>::InsufficientBalance.into())
		);
		assert_eq!(
			Vaults::collateral_value_with(&account, 0, &[(USD, -usd(1_000) - 1)]),
			Err(Error::<Test>::InsufficientBalance.into())
		);
		assert_eq!(
			Vaults::collateral_value_with(&account, usd(500), &[(USD, -usd(1_500))]).unwrap().value,
			before.value - usd(1_000)
		);
		assert_eq!(
			Vaults::collateral_value_with(&account, -usd(2_000), &[(USD, usd(1))]).unwrap().value,
			before.value - usd(1_999)
		);
		assert_eq!(
			Vaults::collateral_value_with(&account, 0, &[(7, 1)]),
			Err(Error::<Test>::UnknownCollateral.into())
		);
		assert_eq!(Vaults::collateral_value_with(&account, 0, &[]).unwrap(), before);
		assert_eq!(
			polkadot_sdk::sp_io::storage::root(polkadot_sdk::sp_runtime::StateVersion::V1),
			root
		);
		assert_eq!(Vaults::collateral_value(&account).unwrap(), before);
	});
}

#[test]
fn an_asset_without_a_price_counts_zero() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, USD, 10 * USD_UNIT, 0));
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 0));
		TestPrices::set(key("BTC"), None);
		assert_eq!(
			Vaults::collateral_value(&margin(ALICE, 0)).unwrap(),
			CollateralValuation { value: (10 * USD_UNIT) as i128, unpriced: 1 }
		);
		// With no debt nothing needs the price: withdrawing the unpriced asset is fine.
		assert_ok!(withdraw(ALICE, BTC, BTC_UNIT / 2, 0));
	});
}

#[test]
fn debt_must_stay_covered_and_a_missing_price_is_named() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 0));
		// Alice loses 50,000 USD: 1 BTC counts 54,000 after the haircut, so she is solvent.
		assert_ok!(pnl(ALICE, BOB, 50_000 * USD_UNIT));
		assert_eq!(bal(ALICE, 0, USD), -((50_000 * USD_UNIT) as i128));
		assert_eq!(
			last_event(),
			RuntimeEvent::Vaults(Event::SettlementTransferred {
				from: margin(ALICE, 0),
				to: margin(BOB, 0),
				amount: 50_000 * USD_UNIT,
				reason: SettlementReason::Pnl,
			})
		);
		// Taking out 0.1 BTC would leave 0.9 · 60,000 · 0.9 = 48,600 < 50,000.
		assert_noop!(withdraw(ALICE, BTC, BTC_UNIT / 10, 0), Error::<Test>::InsufficientCollateral);
		assert_noop!(
			transfer(ALICE, BTC, BTC_UNIT / 10, 0, 1),
			Error::<Test>::InsufficientCollateral
		);
		// 0.05 BTC leaves 0.95 · 54,000 = 51,300 ≥ 50,000.
		assert_ok!(withdraw(ALICE, BTC, BTC_UNIT / 20, 0));
		// Without a BTC price the debt cannot be shown to be covered: an explicit error.
		TestPrices::set(key("BTC"), None);
		assert_noop!(
			withdraw(ALICE, BTC, BTC_UNIT / 100, 0),
			Error::<Test>::CollateralPriceUnavailable
		);
		Vaults::do_try_state().unwrap();
	});
}

#[test]
fn winners_wait_for_liquidity_the_debtors_owe() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 0));
		assert_ok!(deposit(BOB, USD, 100 * USD_UNIT, 0));
		assert_ok!(pnl(ALICE, BOB, 1_000 * USD_UNIT));
		// Bob is owed 1,100 but the vault holds 100 USD: Alice's debt is backed by BTC.
		assert_eq!(bal(BOB, 0, USD), (1_100 * USD_UNIT) as i128);
		assert_noop!(
			withdraw(BOB, USD, 1_100 * USD_UNIT, 0),
			Error::<Test>::VaultLiquidityShortfall
		);
		assert_ok!(withdraw(BOB, USD, 100 * USD_UNIT, 0));
		// Alice repays; Bob can take the rest.
		assert_ok!(deposit(ALICE, USD, 1_000 * USD_UNIT, 0));
		assert_ok!(withdraw(BOB, USD, 1_000 * USD_UNIT, 0));
		assert_eq!(wallet(BOB, USD), 101_000 * USD_UNIT);
		Vaults::do_try_state().unwrap();
	});
}

#[test]
fn ledger_hooks_refuse_bad_input() {
	build_and_execute(|| {
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 0));
		assert_noop!(pnl(ALICE, BOB, 0), Error::<Test>::ZeroAmount);
		assert_noop!(pnl(ALICE, ALICE, 1), Error::<Test>::SameAccount);
		assert_noop!(
			<Vaults as CollateralLedger<AccountId>>::transfer_settlement(
				&margin(ALICE, 0),
				&margin(BOB, 9),
				1,
				SettlementReason::Fee
			),
			Error::<Test>::SubAccountOutOfRange
		);
		assert_noop!(
			<Vaults as CollateralLedger<AccountId>>::seize(
				&margin(ALICE, 0),
				&margin(BOB, 0),
				7,
				1
			),
			Error::<Test>::UnknownCollateral
		);
		assert_ok!(<Vaults as CollateralLedger<AccountId>>::seize(
			&margin(ALICE, 0),
			&margin(BOB, 0),
			BTC,
			BTC_UNIT / 4
		));
		assert_eq!(bal(BOB, 0, BTC), (BTC_UNIT / 4) as i128);
		assert_eq!(
			last_event(),
			RuntimeEvent::Vaults(Event::Seized {
				from: margin(ALICE, 0),
				to: margin(BOB, 0),
				collateral: BTC,
				amount: BTC_UNIT / 4,
			})
		);
	});
}

#[test]
fn without_a_settlement_asset_there_is_no_pnl_and_no_pricing() {
	build_and_execute(|| {
		SettlementCollateral::<Test>::kill();
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 0));
		assert_noop!(pnl(ALICE, BOB, 1), Error::<Test>::NoSettlementCollateral);
		assert_eq!(
			Vaults::collateral_value(&margin(ALICE, 0)).unwrap(),
			CollateralValuation { value: 0, unpriced: 1 }
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Governance

#[test]
fn registry_is_governed() {
	build_and_execute(|| {
		let asset = NativeOrWithId::WithId(OTHER_ASSET);
		let config = CollateralConfig { oracle_key: key("OTH"), ..btc_config() };
		assert_noop!(
			dispatch(ALICE, crate::Call::register_collateral { asset: asset.clone(), config }),
			DispatchError::BadOrigin
		);
		assert_ok!(dispatch_root(crate::Call::register_collateral {
			asset: asset.clone(),
			config
		}));
		assert_eq!(
			last_event(),
			RuntimeEvent::Vaults(Event::CollateralRegistered {
				id: 3,
				asset: asset.clone(),
				config
			})
		);
		assert_eq!(CollateralIdOf::<Test>::get(&asset), Some(3));
		assert_noop!(
			dispatch_root(crate::Call::register_collateral { asset, config }),
			Error::<Test>::AlreadyRegistered
		);
		assert_noop!(
			dispatch(ALICE, crate::Call::update_collateral { id: 3, config }),
			DispatchError::BadOrigin
		);
		assert_noop!(
			dispatch_root(crate::Call::update_collateral { id: 9, config }),
			Error::<Test>::UnknownCollateral
		);
		let bad = CollateralConfig { decimals: 39, ..config };
		assert_noop!(
			dispatch_root(crate::Call::update_collateral { id: 3, config: bad }),
			Error::<Test>::InvalidDecimals
		);
		let bad = CollateralConfig { account_cap: config.deposit_cap + 1, ..config };
		assert_noop!(
			dispatch_root(crate::Call::update_collateral { id: 3, config: bad }),
			Error::<Test>::InvalidCaps
		);
		// Audit 13: decimals are fixed once registered (balances are stored in them).
		let bad = CollateralConfig { decimals: config.decimals + 1, ..config };
		assert_noop!(
			dispatch_root(crate::Call::update_collateral { id: 3, config: bad }),
			Error::<Test>::DecimalsImmutable
		);
		let new = CollateralConfig { haircut: Permill::from_percent(30), ..config };
		assert_ok!(dispatch_root(crate::Call::update_collateral { id: 3, config: new }));
		assert_eq!(
			last_event(),
			RuntimeEvent::Vaults(Event::CollateralUpdated { id: 3, config: new })
		);
		assert_noop!(
			dispatch(ALICE, crate::Call::set_settlement_collateral { id: 3 }),
			DispatchError::BadOrigin
		);
		assert_noop!(
			dispatch_root(crate::Call::set_settlement_collateral { id: 3 }),
			Error::<Test>::SettlementAlreadySet
		);
		SettlementCollateral::<Test>::kill();
		assert_noop!(
			dispatch_root(crate::Call::set_settlement_collateral { id: 9 }),
			Error::<Test>::UnknownCollateral
		);
		assert_ok!(dispatch_root(crate::Call::set_settlement_collateral { id: 3 }));
		assert_eq!(last_event(), RuntimeEvent::Vaults(Event::SettlementCollateralSet { id: 3 }));
		// Stored with the asset's registered decimals: a valuation reads one value for both.
		let decimals = Collaterals::<Test>::get(3).unwrap().config.decimals;
		assert_eq!(SettlementCollateral::<Test>::get(), Some(SettlementAsset { id: 3, decimals }));
		Vaults::do_try_state().unwrap();
	});
}

#[test]
fn the_registry_is_bounded() {
	build_and_execute(|| {
		let config = btc_config();
		for id in 100..105 {
			assert_ok!(Assets::force_create(RuntimeOrigin::root(), id, 99, true, 1));
			assert_ok!(dispatch_root(crate::Call::register_collateral {
				asset: NativeOrWithId::WithId(id),
				config
			}));
		}
		assert_eq!(Collaterals::<Test>::count(), 8);
		assert_ok!(Assets::force_create(RuntimeOrigin::root(), 200, 99, true, 1));
		assert_noop!(
			dispatch_root(crate::Call::register_collateral {
				asset: NativeOrWithId::WithId(200),
				config
			}),
			Error::<Test>::TooManyCollaterals
		);
	});
}

#[test]
fn try_state_catches_a_broken_ledger() {
	// Breaks an invariant on purpose: not `build_and_execute`.
	new_test_ext().execute_with(|| {
		assert_ok!(deposit(ALICE, BTC, BTC_UNIT, 0));
		Vaults::do_try_state().unwrap();
		// Value created out of thin air: the ledger no longer sums to the holding.
		Ledgers::<Test>::mutate(margin(BOB, 0), |l| l.add(BTC, 1).unwrap());
		assert!(Vaults::do_try_state().is_err());
		Ledgers::<Test>::remove(margin(BOB, 0));
		Vaults::do_try_state().unwrap();
		// A negative non-settlement balance.
		Ledgers::<Test>::mutate(margin(BOB, 0), |l| l.add(BTC, -1).unwrap());
		Ledgers::<Test>::mutate(margin(ALICE, 0), |l| l.add(BTC, 1).unwrap());
		assert!(Vaults::do_try_state().is_err());
	});
}

// ---------------------------------------------------------------------------------------------
// Property: random sequences conserve value and keep the invariants

mod conservation {
	use super::*;
	use proptest::prelude::*;

	#[derive(Clone, Debug)]
	enum Op {
		Deposit {
			who: AccountId,
			collateral: u16,
			amount: u128,
			sub: u8,
		},
		/// `percent` of the current balance (above 100: more than there is).
		Withdraw {
			who: AccountId,
			collateral: u16,
			percent: u128,
			sub: u8,
		},
		Transfer {
			who: AccountId,
			collateral: u16,
			percent: u128,
			from: u8,
			to: u8,
		},
		Settle {
			from: AccountId,
			to: AccountId,
			amount: u128,
			from_sub: u8,
			to_sub: u8,
		},
		Seize {
			from: AccountId,
			to: AccountId,
			collateral: u16,
			percent: u128,
		},
		Price {
			btc: Option<u32>,
		},
	}

	fn op() -> impl Strategy<Value = Op> {
		let who = prop_oneof![Just(ALICE), Just(BOB), Just(CHARLIE)];
		let collateral = prop_oneof![Just(USD), Just(BTC), Just(CLR)];
		// Mostly amounts that can succeed, sometimes more than anyone has, so failures are
		// exercised too; mostly valid sub-accounts, sometimes out of range.
		let amount = prop_oneof![
			8 => 1u128..1_000_000,
			1 => 1_000_000u128..10u128.pow(12),
			1 => 10u128.pow(12)..10u128.pow(18),
		];
		let sub = prop_oneof![9 => 0u8..2, 1 => 2u8..5];
		let percent = prop_oneof![9 => 1u128..=100, 1 => 101u128..200];
		prop_oneof![
			4 => (who.clone(), collateral.clone(), amount.clone(), sub.clone())
				.prop_map(|(who, collateral, amount, sub)| Op::Deposit { who, collateral, amount, sub }),
			2 => (who.clone(), collateral.clone(), percent.clone(), sub.clone())
				.prop_map(|(who, collateral, percent, sub)| Op::Withdraw { who, collateral, percent, sub }),
			2 => (who.clone(), collateral.clone(), percent.clone(), sub.clone(), sub.clone()).prop_map(
				|(who, collateral, percent, from, to)| Op::Transfer { who, collateral, percent, from, to }
			),
			2 => (who.clone(), who.clone(), amount.clone(), sub.clone(), sub).prop_map(
				|(from, to, amount, from_sub, to_sub)| Op::Settle { from, to, amount, from_sub, to_sub }
			),
			1 => (who.clone(), who, collateral, percent)
				.prop_map(|(from, to, collateral, percent)| Op::Seize { from, to, collateral, percent }),
			1 => proptest::option::of(1u32..200_000).prop_map(|btc| Op::Price { btc }),
		]
	}

	/// Wallets + vault of every asset: what exists in total must never change.
	fn total_supply_in_play(collateral: u16) -> u128 {
		[ALICE, BOB, CHARLIE, Vaults::vault_account()]
			.iter()
			.map(|w| Tokens::balance(asset_of(collateral), w))
			.sum()
	}

	/// `percent` of a balance, at least one unit.
	fn share(who: AccountId, sub: u8, collateral: u16, percent: u128) -> u128 {
		let balance = u128::try_from(bal(who, sub % 4, collateral)).unwrap_or_default();
		(balance * percent / 100).max(1)
	}

	fn apply(op: &Op) {
		// Each op is dispatched like a transaction: in a storage layer, errors roll back.
		let _ = polkadot_sdk::frame_support::storage::with_storage_layer(
			|| -> Result<(), DispatchError> {
				match op.clone() {
					Op::Deposit { who, collateral, amount, sub } => {
						deposit(who, collateral, amount, sub).map(|_| ()).map_err(|e| e.error)
					},
					Op::Withdraw { who, collateral, percent, sub } => {
						withdraw(who, collateral, share(who, sub, collateral, percent), sub)
							.map(|_| ())
							.map_err(|e| e.error)
					},
					Op::Transfer { who, collateral, percent, from, to } => {
						transfer(who, collateral, share(who, from, collateral, percent), from, to)
							.map(|_| ())
							.map_err(|e| e.error)
					},
					Op::Settle { from, to, amount, from_sub, to_sub } => {
						<Vaults as CollateralLedger<AccountId>>::transfer_settlement(
							&margin(from, from_sub),
							&margin(to, to_sub),
							amount,
							SettlementReason::Funding,
						)
					},
					Op::Seize { from, to, collateral, percent } => {
						<Vaults as CollateralLedger<AccountId>>::seize(
							&margin(from, 0),
							&margin(to, 0),
							collateral,
							share(from, 0, collateral, percent),
						)
					},
					Op::Price { btc } => {
						TestPrices::set(key("BTC"), btc.map(FixedU128::from_u32));
						Ok(())
					},
				}
			},
		);
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(64))]
		#[test]
		fn random_sequences_conserve_value(ops in proptest::collection::vec(op(), 1..60)) {
			build_and_execute(|| {
				let supply: Vec<u128> = [USD, BTC, CLR].iter().map(|c| total_supply_in_play(*c)).collect();
				for op in &ops {
					apply(op);
					Vaults::do_try_state().map_err(|e| format!("{op:?}: {e:?}")).unwrap();
					for (i, c) in [USD, BTC, CLR].iter().enumerate() {
						assert_eq!(total_supply_in_play(*c), supply[i], "value created or destroyed by {op:?}");
						// Custody is exact here (nobody sends to the vault directly).
						assert_eq!(vault(*c), held(*c));
					}
				}
			});
		}
	}
}

/// The settlement asset's decimals must be its registered ones: `try_state` catches a
/// difference (a valuation would convert every other asset at the wrong scale).
#[test]
fn try_state_catches_settlement_decimals_that_are_not_the_assets() {
	build_and_execute(|| {
		let asset = SettlementCollateral::<Test>::get().unwrap();
		SettlementCollateral::<Test>::put(SettlementAsset {
			decimals: asset.decimals + 1,
			..asset
		});
		assert!(Vaults::do_try_state().is_err());
		SettlementCollateral::<Test>::put(asset);
	});
}

/// A chain from before the decimals were stored gets them in the upgrade, once, from the
/// asset's registry entry; a chain without a settlement asset keeps none.
#[test]
fn the_v1_migration_stores_the_settlement_assets_decimals() {
	use crate::migrations::v1::{MigrateV0ToV1, OldSettlementCollateral};
	use polkadot_sdk::frame_support::traits::{
		GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
	};
	build_and_execute(|| {
		let asset = SettlementCollateral::<Test>::get().unwrap();
		// As version 0 stored it: the id alone.
		OldSettlementCollateral::<Test>::put(asset.id);
		StorageVersion::new(0).put::<Vaults>();
		#[cfg(feature = "try-runtime")]
		let checked = {
			use polkadot_sdk::frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v1::AddSettlementDecimals::<Test>::pre_upgrade().unwrap()
		};
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		{
			use polkadot_sdk::frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v1::AddSettlementDecimals::<Test>::post_upgrade(checked).unwrap();
		}
		assert_eq!(Vaults::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(SettlementCollateral::<Test>::get(), Some(asset));
		assert_eq!(asset.decimals, 6);
		// Run again, it changes nothing.
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(SettlementCollateral::<Test>::get(), Some(asset));
		// Without a settlement asset there is nothing to store.
		SettlementCollateral::<Test>::kill();
		StorageVersion::new(0).put::<Vaults>();
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(SettlementCollateral::<Test>::get(), None);
		SettlementCollateral::<Test>::put(asset);
	});
}
