//! The pallet's logic: every call is a thin shell around one of these.

use crate::{pallet::*, valuation, *};
use frame_support::{
	ensure,
	pallet_prelude::*,
	storage::with_storage_layer,
	traits::{fungibles, Get},
};
use polkadot_sdk::sp_runtime::traits::AccountIdConversion;
use polkadot_sdk::sp_runtime::ArithmeticError;

/// Whether a credit is a new deposit (the registry's status and caps apply) or value coming
/// back (a refund: they do not).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
	Deposit,
	Refund,
}

impl<T: Config> Pallet<T> {
	/// The account that holds every deposited token.
	pub fn vault_account() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// `account`'s balance of `collateral` (negative only for the settlement asset).
	pub fn balance_of(account: &MarginAccount<T::AccountId>, collateral: CollateralId) -> i128 {
		Ledgers::<T>::get(account).balance(collateral)
	}

	/// `account`'s collateral valued in the settlement asset (see [`CollateralValuation`]).
	///
	/// Reads the account's ledger once, then each held asset's registry entry and price.
	/// Without a settlement asset every non-settlement balance is unpriced.
	pub fn collateral_value(
		account: &MarginAccount<T::AccountId>,
	) -> Result<CollateralValuation, DispatchError> {
		Self::value_ledger(&Ledgers::<T>::get(account))
	}

	/// `account`'s collateral valued as if `settlement_cash` and then `changes` had been added
	/// to its balances (see `CollateralLedger::collateral_value_with`); nothing is written.
	pub fn collateral_value_with(
		account: &MarginAccount<T::AccountId>,
		settlement_cash: i128,
		changes: &[(CollateralId, i128)],
	) -> Result<CollateralValuation, DispatchError> {
		let mut ledger = Ledgers::<T>::get(account);
		if settlement_cash != 0 {
			let settlement = Self::settlement_id().ok_or(Error::<T>::NoSettlementCollateral)?;
			ledger.add(settlement, settlement_cash).map_err(Self::ledger_error)?;
		}
		for (id, amount) in changes {
			ensure!(Collaterals::<T>::contains_key(id), Error::<T>::UnknownCollateral);
			let balance = ledger.add(*id, *amount).map_err(Self::ledger_error)?;
			ensure!(*amount >= 0 || balance >= 0, Error::<T>::InsufficientBalance);
		}
		Self::value_ledger(&ledger)
	}

	/// The settlement asset's id, once chosen.
	pub fn settlement_id() -> Option<CollateralId> {
		SettlementCollateral::<T>::get().map(|a| a.id)
	}

	pub(crate) fn value_ledger(
		ledger: &AccountLedger<T::MaxCollaterals>,
	) -> Result<CollateralValuation, DispatchError> {
		let asset = SettlementCollateral::<T>::get();
		let (settlement, settlement_decimals) = (asset.map(|a| a.id), asset.map(|a| a.decimals));
		let mut out = CollateralValuation::default();
		for (id, balance) in ledger.iter() {
			if Some(*id) == settlement {
				// The unit of account: at par, in full, debt included.
				out.value = out.value.checked_add(*balance).ok_or(ArithmeticError::Overflow)?;
				continue;
			}
			let info = Collaterals::<T>::get(id).ok_or(Error::<T>::UnknownCollateral)?;
			let price = T::Prices::price(&info.config.oracle_key).map(|(price, _)| price);
			let (Some(price), Some(settlement_decimals)) = (price, settlement_decimals) else {
				out.unpriced = out.unpriced.saturating_add(1);
				continue;
			};
			// Non-settlement balances are never negative (try_state checks it).
			let balance = u128::try_from(*balance).map_err(|_| ArithmeticError::Overflow)?;
			let value = valuation::collateral_value(
				balance,
				price,
				info.config.haircut,
				info.config.decimals,
				settlement_decimals,
			)
			.and_then(|v| i128::try_from(v).ok())
			.ok_or(ArithmeticError::Overflow)?;
			out.value = out.value.checked_add(value).ok_or(ArithmeticError::Overflow)?;
		}
		Ok(out)
	}

	pub(crate) fn ensure_sub(sub: SubAccountIndex) -> DispatchResult {
		ensure!(sub < T::MaxSubAccounts::get(), Error::<T>::SubAccountOutOfRange);
		Ok(())
	}

	pub(crate) fn ensure_valid_config(config: &CollateralConfig) -> DispatchResult {
		ensure!(config.decimals <= valuation::MAX_DECIMALS, Error::<T>::InvalidDecimals);
		ensure!(config.account_cap <= config.deposit_cap, Error::<T>::InvalidCaps);
		Ok(())
	}

	/// Register `asset` under the next id.
	pub(crate) fn do_register(
		asset: T::AssetKind,
		config: CollateralConfig,
	) -> Result<CollateralId, DispatchError> {
		Self::ensure_valid_config(&config)?;
		ensure!(!CollateralIdOf::<T>::contains_key(&asset), Error::<T>::AlreadyRegistered);
		let count = Collaterals::<T>::count();
		ensure!(count < T::MaxCollaterals::get(), Error::<T>::TooManyCollaterals);
		let id = CollateralId::try_from(count).map_err(|_| Error::<T>::TooManyCollaterals)?;
		if count == 0 {
			// The vault must exist for every asset, whatever its minimum balance or
			// sufficiency, and must never be reaped when a native balance reaches zero. The
			// reference is taken once, with the first collateral, and never released.
			frame_system::Pallet::<T>::inc_providers(&Self::vault_account());
		}
		Collaterals::<T>::insert(id, CollateralInfo { config, held: 0 });
		CollateralAssets::<T>::insert(id, asset.clone());
		CollateralIdOf::<T>::insert(&asset, id);
		Self::deposit_event(Event::CollateralRegistered { id, asset, config });
		Ok(id)
	}

	pub(crate) fn do_set_settlement(id: CollateralId) -> DispatchResult {
		let info = Collaterals::<T>::get(id).ok_or(Error::<T>::UnknownCollateral)?;
		ensure!(!SettlementCollateral::<T>::exists(), Error::<T>::SettlementAlreadySet);
		SettlementCollateral::<T>::put(SettlementAsset { id, decimals: info.config.decimals });
		Self::deposit_event(Event::SettlementCollateralSet { id });
		Ok(())
	}

	/// The single deposit path: signed deposits, XCM and ISMP all end here. Takes `amount` of
	/// `collateral` from `payer`'s wallet and credits `beneficiary`.
	pub fn do_deposit(
		payer: &T::AccountId,
		beneficiary: &MarginAccount<T::AccountId>,
		collateral: CollateralId,
		amount: u128,
	) -> DispatchResult {
		Self::deposit_with(payer, beneficiary, collateral, amount, Admission::Deposit)
	}

	/// [`Self::do_deposit`], with the registry's status and caps applied or not (`admission`).
	pub(crate) fn deposit_with(
		payer: &T::AccountId,
		beneficiary: &MarginAccount<T::AccountId>,
		collateral: CollateralId,
		amount: u128,
		admission: Admission,
	) -> DispatchResult {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		Self::ensure_sub(beneficiary.sub)?;
		let mut info = Collaterals::<T>::get(collateral).ok_or(Error::<T>::UnknownCollateral)?;
		let checked = admission == Admission::Deposit;
		ensure!(
			!checked || info.config.status == CollateralStatus::Active,
			Error::<T>::CollateralNotAccepting
		);
		info.held = info.held.checked_add(amount).ok_or(ArithmeticError::Overflow)?;
		ensure!(!checked || info.held <= info.config.deposit_cap, Error::<T>::DepositCapExceeded);

		let mut ledger = Ledgers::<T>::get(beneficiary);
		let delta = i128::try_from(amount).map_err(|_| ArithmeticError::Overflow)?;
		let new_balance = ledger.add(collateral, delta).map_err(Self::ledger_error)?;
		ensure!(
			!checked || u128::try_from(new_balance).map_or(true, |b| b <= info.config.account_cap),
			Error::<T>::AccountCapExceeded
		);

		let asset = CollateralAssets::<T>::get(collateral).ok_or(Error::<T>::UnknownCollateral)?;
		<T::Assets as fungibles::Mutate<_>>::transfer(
			asset,
			payer,
			&Self::vault_account(),
			amount,
			Self::PRESERVATION,
		)?;
		Collaterals::<T>::insert(collateral, info);
		Ledgers::<T>::insert(beneficiary, ledger);
		Self::deposit_event(Event::Deposited {
			owner: beneficiary.owner.clone(),
			sub: beneficiary.sub,
			collateral,
			amount,
			payer: payer.clone(),
		});
		Ok(())
	}

	/// Debit `account` and pay `to`'s wallet; the account must stay solvent. Returns how many
	/// assets the account held (for the weight refund).
	///
	/// Runs in its own storage layer: the margin engine judges the *new* state, so the ledger
	/// is written before it is asked, and its refusal must undo the write even when this is
	/// called from outside a dispatch (another pallet, an XCM route).
	/// Withdraw to `account`'s owner's wallet and send it out through [`Config::Outbound`], all
	/// or nothing. Returns the assets the account held (for the weight).
	pub fn do_withdraw_to(
		account: &MarginAccount<T::AccountId>,
		collateral: CollateralId,
		amount: u128,
		destination: DestinationOf<T>,
	) -> Result<Guarded, DispatchError> {
		with_storage_layer(|| {
			let held = Self::withdraw_in_layer(account, collateral, amount, &account.owner)?;
			let asset =
				CollateralAssets::<T>::get(collateral).ok_or(Error::<T>::UnknownCollateral)?;
			T::Outbound::transfer(&account.owner, asset, amount, destination.clone())?;
			Self::deposit_event(Event::SentOut {
				owner: account.owner.clone(),
				sub: account.sub,
				collateral,
				amount,
				destination,
			});
			Ok(held)
		})
	}

	pub fn do_withdraw(
		account: &MarginAccount<T::AccountId>,
		collateral: CollateralId,
		amount: u128,
		to: &T::AccountId,
	) -> Result<Guarded, DispatchError> {
		with_storage_layer(|| Self::withdraw_in_layer(account, collateral, amount, to))
	}

	fn withdraw_in_layer(
		account: &MarginAccount<T::AccountId>,
		collateral: CollateralId,
		amount: u128,
		to: &T::AccountId,
	) -> Result<Guarded, DispatchError> {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		Self::ensure_sub(account.sub)?;
		let mut info = Collaterals::<T>::get(collateral).ok_or(Error::<T>::UnknownCollateral)?;
		let mut ledger = Ledgers::<T>::get(account);
		let held_assets = ledger.iter().count() as u32;
		Self::debit(&mut ledger, collateral, amount)?;
		// `held` is below a positive settlement balance when other accounts owe the vault.
		info.held = info.held.checked_sub(amount).ok_or(Error::<T>::VaultLiquidityShortfall)?;
		Self::ensure_solvent(&ledger)?;

		Collaterals::<T>::insert(collateral, info);
		Self::store_ledger(account, ledger);
		// Guarded after the ledger is stored: the margin engine reads the new state; an error
		// rolls everything back (the call is transactional).
		let check = T::WithdrawalGuard::ensure_can_withdraw(account, collateral)?;
		let asset = CollateralAssets::<T>::get(collateral).ok_or(Error::<T>::UnknownCollateral)?;
		<T::Assets as fungibles::Mutate<_>>::transfer(
			asset,
			&Self::vault_account(),
			to,
			amount,
			Self::PRESERVATION,
		)?;
		Self::deposit_event(Event::Withdrawn {
			owner: account.owner.clone(),
			sub: account.sub,
			collateral,
			amount,
			to: to.clone(),
		});
		Ok((held_assets, check))
	}

	/// Move `amount` of `collateral` between two of `owner`'s sub-accounts. Returns how many
	/// assets the source held (for the weight refund). Own storage layer, as for withdrawals.
	pub(crate) fn do_transfer(
		owner: &T::AccountId,
		collateral: CollateralId,
		amount: u128,
		from_sub: SubAccountIndex,
		to_sub: SubAccountIndex,
	) -> Result<Guarded, DispatchError> {
		with_storage_layer(|| Self::transfer_in_layer(owner, collateral, amount, from_sub, to_sub))
	}

	fn transfer_in_layer(
		owner: &T::AccountId,
		collateral: CollateralId,
		amount: u128,
		from_sub: SubAccountIndex,
		to_sub: SubAccountIndex,
	) -> Result<Guarded, DispatchError> {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		Self::ensure_sub(from_sub)?;
		Self::ensure_sub(to_sub)?;
		ensure!(from_sub != to_sub, Error::<T>::SameAccount);
		let info = Collaterals::<T>::get(collateral).ok_or(Error::<T>::UnknownCollateral)?;
		let from = MarginAccount::new(owner.clone(), from_sub);
		let to = MarginAccount::new(owner.clone(), to_sub);

		let mut from_ledger = Ledgers::<T>::get(&from);
		let held_assets = from_ledger.iter().count() as u32;
		Self::debit(&mut from_ledger, collateral, amount)?;
		Self::ensure_solvent(&from_ledger)?;
		let mut to_ledger = Ledgers::<T>::get(&to);
		let delta = i128::try_from(amount).map_err(|_| ArithmeticError::Overflow)?;
		let new_balance = to_ledger.add(collateral, delta).map_err(Self::ledger_error)?;
		ensure!(
			u128::try_from(new_balance).map_or(true, |b| b <= info.config.account_cap),
			Error::<T>::AccountCapExceeded
		);

		Self::store_ledger(&from, from_ledger);
		Self::store_ledger(&to, to_ledger);
		let check = T::WithdrawalGuard::ensure_can_withdraw(&from, collateral)?;
		Self::deposit_event(Event::Transferred {
			owner: owner.clone(),
			from_sub,
			to_sub,
			collateral,
			amount,
		});
		Ok((held_assets, check))
	}

	/// Move `amount` of `collateral` between two different margin accounts inside the ledger.
	/// `allow_debt`: whether the source may go negative (settlement asset only).
	pub(crate) fn move_between(
		from: &MarginAccount<T::AccountId>,
		to: &MarginAccount<T::AccountId>,
		collateral: CollateralId,
		amount: u128,
		allow_debt: bool,
	) -> DispatchResult {
		ensure!(amount > 0, Error::<T>::ZeroAmount);
		Self::ensure_sub(from.sub)?;
		Self::ensure_sub(to.sub)?;
		ensure!(from != to, Error::<T>::SameAccount);
		ensure!(Collaterals::<T>::contains_key(collateral), Error::<T>::UnknownCollateral);
		let delta = i128::try_from(amount).map_err(|_| ArithmeticError::Overflow)?;
		let mut from_ledger = Ledgers::<T>::get(from);
		if allow_debt {
			from_ledger
				.add(collateral, delta.checked_neg().ok_or(ArithmeticError::Overflow)?)
				.map_err(Self::ledger_error)?;
		} else {
			Self::debit(&mut from_ledger, collateral, amount)?;
		}
		let mut to_ledger = Ledgers::<T>::get(to);
		to_ledger.add(collateral, delta).map_err(Self::ledger_error)?;
		Self::store_ledger(from, from_ledger);
		Self::store_ledger(to, to_ledger);
		Ok(())
	}

	/// Take `amount` off a balance that must cover it (withdrawals never create debt).
	fn debit(
		ledger: &mut AccountLedger<T::MaxCollaterals>,
		collateral: CollateralId,
		amount: u128,
	) -> DispatchResult {
		let balance = ledger.balance(collateral);
		let amount_signed = i128::try_from(amount).map_err(|_| Error::<T>::InsufficientBalance)?;
		ensure!(balance >= amount_signed, Error::<T>::InsufficientBalance);
		ledger.add(collateral, -amount_signed).map_err(Self::ledger_error)?;
		Ok(())
	}

	/// An account in settlement debt must hold other collateral worth at least the debt. An
	/// account without debt is solvent whatever the prices (nothing to value).
	pub(crate) fn ensure_solvent(ledger: &AccountLedger<T::MaxCollaterals>) -> DispatchResult {
		let Some(settlement) = Self::settlement_id() else { return Ok(()) };
		if ledger.balance(settlement) >= 0 {
			return Ok(());
		}
		let valuation = Self::value_ledger(ledger)?;
		if valuation.value < 0 {
			if valuation.unpriced > 0 {
				return Err(Error::<T>::CollateralPriceUnavailable.into());
			}
			return Err(Error::<T>::InsufficientCollateral.into());
		}
		Ok(())
	}

	fn store_ledger(
		account: &MarginAccount<T::AccountId>,
		ledger: AccountLedger<T::MaxCollaterals>,
	) {
		if ledger.is_empty() {
			Ledgers::<T>::remove(account);
		} else {
			Ledgers::<T>::insert(account, ledger);
		}
	}

	fn ledger_error(e: LedgerError) -> DispatchError {
		match e {
			LedgerError::Overflow => ArithmeticError::Overflow.into(),
			LedgerError::Full => Error::<T>::TooManyCollaterals.into(),
		}
	}

	/// The pallet's invariants (see the crate docs).
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let count = Collaterals::<T>::count();
		ensure!(count <= T::MaxCollaterals::get(), "more collateral than MaxCollaterals");
		let asset = SettlementCollateral::<T>::get();
		if let Some(SettlementAsset { id, decimals }) = asset {
			let info = Collaterals::<T>::get(id).ok_or("settlement asset is not registered")?;
			ensure!(info.config.decimals == decimals, "settlement decimals are not the asset's");
		}
		let settlement = asset.map(|a| a.id);

		let mut sums: BTreeMap<CollateralId, i128> = BTreeMap::new();
		for (account, ledger) in Ledgers::<T>::iter() {
			ensure!(account.sub < T::MaxSubAccounts::get(), "sub-account out of range");
			ensure!(!ledger.is_empty(), "empty ledger stored");
			let mut previous: Option<CollateralId> = None;
			for (id, balance) in ledger.iter() {
				ensure!(previous.is_none_or(|p| p < *id), "ledger not sorted or duplicated");
				previous = Some(*id);
				ensure!(*balance != 0, "zero balance stored");
				ensure!(
					*balance > 0 || Some(*id) == settlement,
					"negative balance of a non-settlement asset"
				);
				ensure!(Collaterals::<T>::contains_key(id), "ledger names an unknown asset");
				let sum = sums.entry(*id).or_default();
				*sum = sum.checked_add(*balance).ok_or("ledger sum overflows")?;
			}
		}

		let vault = Self::vault_account();
		let mut seen = 0u32;
		for (id, info) in Collaterals::<T>::iter() {
			seen += 1;
			let sum = sums.get(&id).copied().unwrap_or_default();
			ensure!(
				u128::try_from(sum).ok() == Some(info.held),
				"Σ ledger balances differs from the recorded holding"
			);
			let asset = CollateralAssets::<T>::get(id).ok_or("collateral without an asset")?;
			ensure!(
				CollateralIdOf::<T>::get(&asset) == Some(id),
				"asset → id map disagrees with the registry"
			);
			let actual = <T::Assets as fungibles::Inspect<_>>::balance(asset, &vault);
			ensure!(actual >= info.held, "the vault holds less than the ledger records");
		}
		ensure!(seen == count, "collateral counter differs from the entries");
		ensure!(
			CollateralIdOf::<T>::iter().count() as u32 == count,
			"asset → id map has entries without collateral"
		);
		Ok(())
	}
}
