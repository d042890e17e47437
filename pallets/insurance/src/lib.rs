//! # Insurance pallet
//!
//! The insurance fund: a margin account in the collateral ledger (the margin engine's
//! insurance account) holding the settlement asset. Inflows come from the margin engine (a
//! governance share of taker fees, the insurance share of liquidation penalties) and from
//! anyone's donation ([`Pallet::donate`]); outflows are bad-debt cover (the margin engine) and
//! withdrawals that only a referendum can make ([`Pallet::withdraw`], the `root` track in the
//! runtime). [`Pallet::balance`] (and the runtime API) report the fund.

#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

pub use clearinghouse_primitives::collateral::{
	CollateralLedger, FundBooks, MarginAccount, SettlementReason,
};
pub use pallet::*;
pub use weights::WeightInfo;

use polkadot_sdk::{frame_support, frame_system};

/// Puts settlement-asset tokens in wallets for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Put `amount` of the settlement asset in `who`'s wallet.
	fn fund_wallet(who: &AccountId, amount: u128);
	/// Give every further book of the fund ([`Config::Books`]) settlement cash, so a
	/// withdrawal moves it all in first (its worst case).
	fn fill_books() {}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The collateral ledger (runtime: the vaults).
		type Ledger: CollateralLedger<Self::AccountId>;

		/// The fund's margin account (runtime: the margin engine's insurance account).
		type Fund: Get<MarginAccount<Self::AccountId>>;
		/// The fund's further accounts (runtime: the margin engine's backstop books): counted
		/// in [`Pallet::balance`], moved into [`Config::Fund`] before a withdrawal.
		type Books: FundBooks;

		/// May withdraw from the fund (runtime: root, i.e. a `root`-track referendum).
		type WithdrawOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Puts settlement-asset tokens in wallets for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `donor` gave `amount` of the settlement asset to the fund.
		Donated { donor: T::AccountId, amount: u128 },
		/// A referendum paid `amount` from the fund into `to`'s cross-margin account.
		Withdrawn { to: T::AccountId, amount: u128 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No settlement asset is set in the ledger.
		NoSettlementAsset,
		/// An amount of zero.
		ZeroAmount,
		/// The fund holds less than the amount.
		InsufficientFund,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Give `amount` of the settlement asset from the signer's wallet to the fund.
		///
		/// * Who: anyone.
		/// * Events: [`Event::Donated`] (and the vaults' `Deposited`).
		/// * Errors: [`Error::ZeroAmount`], [`Error::NoSettlementAsset`], the vaults' deposit
		///   errors (caps, wallet balance).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::donate())]
		pub fn donate(origin: OriginFor<T>, #[pallet::compact] amount: u128) -> DispatchResult {
			let donor = ensure_signed(origin)?;
			ensure!(amount > 0, Error::<T>::ZeroAmount);
			let settlement =
				T::Ledger::settlement_collateral().ok_or(Error::<T>::NoSettlementAsset)?;
			T::Ledger::deposit(&donor, &T::Fund::get(), settlement, amount)?;
			Self::deposit_event(Event::Donated { donor, amount });
			Ok(())
		}

		/// Pay `amount` from the fund into `to`'s cross-margin account (from where `to` may
		/// withdraw it).
		///
		/// * Who: [`Config::WithdrawOrigin`] (a `root`-track referendum).
		/// * Events: [`Event::Withdrawn`].
		/// * Errors: [`Error::ZeroAmount`], [`Error::NoSettlementAsset`],
		///   [`Error::InsufficientFund`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(
			origin: OriginFor<T>,
			to: T::AccountId,
			#[pallet::compact] amount: u128,
		) -> DispatchResult {
			T::WithdrawOrigin::ensure_origin(origin)?;
			ensure!(amount > 0, Error::<T>::ZeroAmount);
			ensure!(Self::balance() >= amount as i128, Error::<T>::InsufficientFund);
			T::Books::consolidate()?;
			T::Ledger::transfer_settlement(
				&T::Fund::get(),
				&MarginAccount::cross(to.clone()),
				amount,
				SettlementReason::Insurance,
			)?;
			Self::deposit_event(Event::Withdrawn { to, amount });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The fund's settlement-asset balance, its further books included (negative only if
		/// it took over positions that lost more than it held).
		pub fn balance() -> i128 {
			T::Ledger::settlement_collateral()
				.map(|id| T::Ledger::balance(&T::Fund::get(), id))
				.unwrap_or_default()
				.saturating_add(T::Books::extra_cash())
		}
	}
}
