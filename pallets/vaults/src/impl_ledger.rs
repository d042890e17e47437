//! [`CollateralLedger`]: the ledger as the margin engine, liquidation and the deposit routes
//! see it.

use crate::{pallet::*, *};
use polkadot_sdk::sp_runtime::{DispatchError, DispatchResult};

impl<T: Config> CollateralLedger<T::AccountId> for Pallet<T> {
	type AssetKind = T::AssetKind;

	fn held_assets(account: &MarginAccount<T::AccountId>) -> u32 {
		Ledgers::<T>::get(account).iter().count() as u32
	}

	fn max_assets() -> u32 {
		<T::MaxCollaterals as polkadot_sdk::frame_support::traits::Get<u32>>::get()
	}

	fn settlement_collateral() -> Option<CollateralId> {
		Pallet::<T>::settlement_id()
	}

	fn settlement_decimals() -> Option<u8> {
		SettlementCollateral::<T>::get().map(|a| a.decimals)
	}

	fn balance(account: &MarginAccount<T::AccountId>, collateral: CollateralId) -> i128 {
		Self::balance_of(account, collateral)
	}

	fn collateral_value(
		account: &MarginAccount<T::AccountId>,
	) -> Result<CollateralValuation, DispatchError> {
		Pallet::<T>::collateral_value(account)
	}

	fn collateral_value_with(
		account: &MarginAccount<T::AccountId>,
		settlement_cash: i128,
		changes: &[(CollateralId, i128)],
	) -> Result<CollateralValuation, DispatchError> {
		Pallet::<T>::collateral_value_with(account, settlement_cash, changes)
	}

	fn transfer_settlement(
		from: &MarginAccount<T::AccountId>,
		to: &MarginAccount<T::AccountId>,
		amount: u128,
		reason: SettlementReason,
	) -> DispatchResult {
		let settlement = Pallet::<T>::settlement_id().ok_or(Error::<T>::NoSettlementCollateral)?;
		Self::move_between(from, to, settlement, amount, true)?;
		Self::deposit_event(Event::SettlementTransferred {
			from: from.clone(),
			to: to.clone(),
			amount,
			reason,
		});
		Ok(())
	}

	fn seize(
		from: &MarginAccount<T::AccountId>,
		to: &MarginAccount<T::AccountId>,
		collateral: CollateralId,
		amount: u128,
	) -> DispatchResult {
		Self::move_between(from, to, collateral, amount, false)?;
		Self::deposit_event(Event::Seized {
			from: from.clone(),
			to: to.clone(),
			collateral,
			amount,
		});
		Ok(())
	}

	fn deposit(
		payer: &T::AccountId,
		beneficiary: &MarginAccount<T::AccountId>,
		collateral: CollateralId,
		amount: u128,
	) -> DispatchResult {
		Self::do_deposit(payer, beneficiary, collateral, amount)
	}

	fn credit_deposit(
		payer: &T::AccountId,
		beneficiary: &MarginAccount<T::AccountId>,
		asset: T::AssetKind,
		amount: u128,
	) -> DispatchResult {
		Self::credit(payer, beneficiary, asset, amount, crate::functions::Admission::Deposit)
	}

	fn credit_refund(
		payer: &T::AccountId,
		beneficiary: &MarginAccount<T::AccountId>,
		asset: T::AssetKind,
		amount: u128,
	) -> DispatchResult {
		Self::credit(payer, beneficiary, asset, amount, crate::functions::Admission::Refund)
	}
}

impl<T: Config> Pallet<T> {
	/// A route's credit of `asset` (named by the asset, not the collateral id) under `admission`.
	fn credit(
		payer: &T::AccountId,
		beneficiary: &MarginAccount<T::AccountId>,
		asset: T::AssetKind,
		amount: u128,
		admission: crate::functions::Admission,
	) -> DispatchResult {
		let collateral = CollateralIdOf::<T>::get(&asset).ok_or(Error::<T>::UnknownCollateral)?;
		Self::deposit_with(payer, beneficiary, collateral, amount, admission)
	}
}
