//! Benchmarks of the vaults pallet (`frame_benchmarking::v2`).

use crate::{pallet::*, *};
use alloc::vec::Vec;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::traits::{EnsureOrigin, Get},
	frame_system::RawOrigin,
	sp_arithmetic::{FixedU128, Permill},
};

/// A generous configuration: caps far above anything the benchmarks deposit.
fn config(index: u32) -> CollateralConfig {
	let mut symbol = *b"BNCH\0\0\0\0";
	symbol[4] = b'A' + (index % 26) as u8;
	symbol[5] = b'A' + (index / 26 % 26) as u8;
	CollateralConfig {
		oracle_key: OracleKey(symbol),
		decimals: 12,
		haircut: Permill::from_percent(10),
		deposit_cap: u128::MAX / 4,
		account_cap: u128::MAX / 8,
		status: CollateralStatus::Active,
	}
}

/// `n` priced collateral assets with room for the benchmark's deposits, the settlement asset
/// first: the collateral the chain already has (its caps raised), then new registrations.
fn setup_collaterals<T: Config>(n: u32) -> Vec<(CollateralId, T::AssetKind)> {
	let existing = Collaterals::<T>::count();
	for index in existing..n {
		let asset = T::BenchmarkHelper::asset(index);
		Pallet::<T>::do_register(asset, config(index)).expect("room for n collaterals");
	}
	if SettlementCollateral::<T>::get().is_none() {
		Pallet::<T>::do_set_settlement(0).expect("registered");
	}
	let settlement = Pallet::<T>::settlement_id().expect("set above");
	let mut ids: Vec<CollateralId> =
		(0..Collaterals::<T>::count() as CollateralId).filter(|id| *id != settlement).collect();
	ids.insert(0, settlement);
	ids.truncate(n as usize);
	ids.into_iter()
		.map(|id| {
			Collaterals::<T>::mutate(id, |info| {
				if let Some(info) = info {
					info.config.deposit_cap = u128::MAX / 4;
					info.config.account_cap = u128::MAX / 8;
					info.config.status = CollateralStatus::Active;
					T::BenchmarkHelper::set_price(info.config.oracle_key, FixedU128::from_u32(100));
				}
			});
			(id, CollateralAssets::<T>::get(id).expect("registered"))
		})
		.collect()
}

const AMOUNT: u128 = 1_000_000_000_000_000;

/// `who` funded and holding `AMOUNT` of each of `n` collaterals in sub-account 0, and the most
/// positions the withdrawal guard lets an account hold (so the guard's check of any outflow
/// reads them all).
fn holder<T: Config>(n: u32) -> (T::AccountId, Vec<(CollateralId, T::AssetKind)>) {
	holder_of::<T>(n, T::WithdrawalGuard::max_positions())
}

/// [`holder`] of `p` positions.
fn holder_of<T: Config>(n: u32, p: u32) -> (T::AccountId, Vec<(CollateralId, T::AssetKind)>) {
	let who: T::AccountId = whitelisted_caller();
	let assets = setup_collaterals::<T>(n);
	let account = MarginAccount::new(who.clone(), 0);
	for (id, asset) in &assets {
		T::BenchmarkHelper::fund(asset, &who, 10 * AMOUNT);
		Pallet::<T>::do_deposit(&who, &account, *id, AMOUNT).expect("deposit within caps");
	}
	T::BenchmarkHelper::hold_positions(&account, p);
	(who, assets)
}

/// Put `account` one unit into settlement debt, so every withdrawal values all its assets.
fn into_debt<T: Config>(debtor: &MarginAccount<T::AccountId>) {
	let creditor = MarginAccount::new(account::<T::AccountId>("creditor", 0, 0), 0);
	<Pallet<T> as CollateralLedger<T::AccountId>>::transfer_settlement(
		debtor,
		&creditor,
		AMOUNT + 1,
		SettlementReason::Pnl,
	)
	.expect("the settlement asset exists");
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn deposit() {
		// A holder of every other asset, depositing more of the last: the ledger is full.
		let (who, assets) = holder::<T>(T::MaxCollaterals::get());
		let (id, _) = *assets.last().expect("at least one");
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, AMOUNT, 0);
		assert_eq!(Pallet::<T>::balance_of(&MarginAccount::new(who, 0), id), 2 * AMOUNT as i128);
	}

	/// Withdraw from an account with `n` assets and settlement debt, so every asset is valued,
	/// and `p` positions, each valued by the withdrawal guard.
	#[benchmark]
	fn withdraw(
		n: Linear<2, { T::MaxCollaterals::get() }>,
		p: Linear<0, { T::WithdrawalGuard::max_positions() }>,
	) {
		let (who, assets) = holder_of::<T>(n, p);
		let settlement = assets[0].0;
		let account = MarginAccount::new(who.clone(), 0);
		into_debt::<T>(&account);
		let (id, _) = assets[1];
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, AMOUNT / 2, 0);
		assert_eq!(Pallet::<T>::balance_of(&account, id), (AMOUNT / 2) as i128);
		assert_eq!(Pallet::<T>::balance_of(&account, settlement), -1);
	}

	/// Withdraw to another chain through [`Config::Outbound`] (runtime: XCM `transfer_assets`
	/// to the asset's reserve) from an account holding `MaxCollaterals` assets.
	#[benchmark]
	fn withdraw_to() -> Result<(), BenchmarkError> {
		let (asset, destination) =
			T::Outbound::benchmark_route().ok_or(BenchmarkError::Weightless)?;
		let (who, _) = holder::<T>(T::MaxCollaterals::get().saturating_sub(1));
		let id = match CollateralIdOf::<T>::get(&asset) {
			Some(id) => id,
			None => Pallet::<T>::do_register(asset.clone(), config(999))?,
		};
		T::BenchmarkHelper::fund(&asset, &who, AMOUNT);
		let account = MarginAccount::new(who.clone(), 0);
		Pallet::<T>::do_deposit(&who, &account, id, AMOUNT)?;
		let before = Pallet::<T>::balance_of(&account, id);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, AMOUNT / 2, 0, destination);
		assert_eq!(Pallet::<T>::balance_of(&account, id), before - (AMOUNT / 2) as i128);
		Ok(())
	}

	#[benchmark]
	fn transfer(
		n: Linear<2, { T::MaxCollaterals::get() }>,
		p: Linear<0, { T::WithdrawalGuard::max_positions() }>,
	) {
		let (who, assets) = holder_of::<T>(n, p);
		into_debt::<T>(&MarginAccount::new(who.clone(), 0));
		let (id, _) = assets[1];
		let to_sub = T::MaxSubAccounts::get().saturating_sub(1);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), id, AMOUNT / 2, 0, to_sub);
		assert_eq!(
			Pallet::<T>::balance_of(&MarginAccount::new(who, to_sub), id),
			(AMOUNT / 2) as i128
		);
	}

	#[benchmark]
	fn register_collateral() -> Result<(), BenchmarkError> {
		let origin =
			T::RegistryOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let index = Collaterals::<T>::count();
		let asset = T::BenchmarkHelper::asset(index);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, asset.clone(), config(index));
		assert!(CollateralIdOf::<T>::contains_key(&asset));
		Ok(())
	}

	#[benchmark]
	fn update_collateral() -> Result<(), BenchmarkError> {
		let assets = setup_collaterals::<T>(1);
		let origin =
			T::RegistryOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let (id, _) = assets[0];
		// Decimals are fixed once registered: keep them.
		let decimals = Collaterals::<T>::get(id).map(|i| i.config.decimals).unwrap_or(12);
		let new = CollateralConfig { haircut: Permill::from_percent(40), decimals, ..config(0) };
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, new);
		assert_eq!(Collaterals::<T>::get(id).map(|i| i.config), Some(new));
		Ok(())
	}

	#[benchmark]
	fn set_settlement_collateral() -> Result<(), BenchmarkError> {
		let assets = setup_collaterals::<T>(1);
		SettlementCollateral::<T>::kill();
		let origin =
			T::RegistryOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let (id, _) = assets[0];
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id);
		assert_eq!(Pallet::<T>::settlement_id(), Some(id));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
