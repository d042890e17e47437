//! # Vaults pallet
//!
//! The single ledger of who owns what collateral. Traders deposit many assets (the native
//! token, local assets, foreign assets that arrived over XCM or ISMP); the risk engine values
//! them through this pallet; PnL, fees and funding move the settlement asset between ledger
//! entries; liquidation seizes collateral. Nothing else on the chain holds trader collateral.
//!
//! ## Overview
//!
//! * **Registry.** Governance ([`Config::RegistryOrigin`], the `risk_admin` track in the
//!   runtime) registers each collateral asset ([`Config::AssetKind`]: native, an `Assets` id or
//!   a `ForeignAssets` location) under a small [`CollateralId`] with a [`CollateralConfig`]:
//!   oracle key, decimals, haircut, total and per-account deposit caps, status. One asset is
//!   the **settlement asset** (a USD stablecoin) in which PnL, fees and funding are paid.
//! * **Margin accounts.** An owner has sub-account `0` (cross margin) and sub-accounts
//!   `1..MaxSubAccounts` (isolated margin); each is a [`MarginAccount`] with its own balances.
//! * **Custody.** Deposited tokens move into the pallet's account ([`Pallet::vault_account`]);
//!   the ledger ([`Ledgers`]) records per (owner, sub, asset). Why an account rather than the
//!   fungibles hold API: `pallet-assets` (local and foreign assets) implements no holds, and one
//!   custody model for every asset keeps the conservation invariant one line of code.
//! * **Signed balances.** The settlement-asset balance may go negative (debt against the other
//!   collateral) — only through [`CollateralLedger::transfer_settlement`], whose caller (the
//!   margin engine) applies the margin rules. Every other balance is never negative.
//! * **Valuation.** [`Pallet::collateral_value`]: Σ (1 − haircut) · balance · price in the
//!   settlement asset, each term rounded down, the settlement asset at par and in full
//!   (debt included). An asset without a usable price (no quorum, stale, halted) counts zero,
//!   and a withdrawal that would need it fails with [`Error::CollateralPriceUnavailable`].
//! * **Hooks.** [`Config::WithdrawalGuard`] (the margin engine) is consulted after every
//!   withdrawal and transfer; [`CollateralLedger`] gives the margin engine, liquidation and the
//!   XCM/ISMP deposit routes their access; every deposit route ends in [`Pallet::do_deposit`].
//!
//! ## Calls
//!
//! * [`Pallet::deposit`], [`Pallet::withdraw`], [`Pallet::transfer`]: traders.
//! * [`Pallet::register_collateral`], [`Pallet::update_collateral`],
//!   [`Pallet::set_settlement_collateral`]: governance.
//!
//! ## Invariants ([`Pallet::do_try_state`])
//!
//! For every asset, Σ ledger balances == `held` in the registry ≤ what the vault's account
//! actually holds (tokens sent straight to the vault's account, outside the ledger, are a
//! surplus nobody owns: they cannot be prevented, so the check is `≤`, not `==`); no
//! non-settlement balance is negative; ledgers are sorted, zero-free and only name registered
//! assets.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod functions;
mod impl_ledger;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod types;
pub mod valuation;
pub mod weights;

pub use clearinghouse_primitives::{
	collateral::{
		CheckWeight, CollateralId, CollateralLedger, CollateralValuation, MarginAccount,
		OutboundTransfer, SettlementReason, SubAccountIndex, WithdrawalGuard,
	},
	oracle::{Moment, OracleKey, PriceProvider},
};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(any(feature = "try-runtime", feature = "std"))]
use polkadot_sdk::sp_runtime;
use polkadot_sdk::{frame_support, frame_system};

/// The destination type of a runtime's outbound route.
pub type DestinationOf<T> = <<T as Config>::Outbound as OutboundTransfer<
	<T as frame_system::Config>::AccountId,
	<T as Config>::AssetKind,
>>::Destination;

/// Creates assets, funds wallets and sets prices for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AssetKind, AccountId> {
	/// A distinct asset for each `index`, existing (created if needed) in `Config::Assets`.
	fn asset(index: u32) -> AssetKind;
	/// Put `amount` of `asset` in `who`'s wallet.
	fn fund(asset: &AssetKind, who: &AccountId, amount: u128);
	/// Make `Config::Prices` return `price` for `key`.
	fn set_price(key: OracleKey, price: polkadot_sdk::sp_arithmetic::FixedU128);
	/// Give `account` `positions` positions (at most what the withdrawal guard, runtime: the
	/// margin engine, lets an account hold), so a withdrawal's check reads them all.
	fn hold_positions(account: &MarginAccount<AccountId>, positions: u32);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungibles, tokens::Preservation},
		PalletId,
	};
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	/// 1: the settlement asset with its decimals (see [`crate::migrations::v1`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// How collateral assets are named outside the ledger (runtime: native, an `Assets`
		/// id or a `ForeignAssets` location).
		type AssetKind: Parameter + Member + MaxEncodedLen + MaybeSerializeDeserialize;

		/// The tokens themselves, for every [`Config::AssetKind`].
		type Assets: fungibles::Mutate<Self::AccountId, AssetId = Self::AssetKind, Balance = u128>;

		/// Prices of whole units in the settlement asset (runtime: the oracle pallet).
		type Prices: PriceProvider<OracleKey>;

		/// Consulted after every withdrawal and transfer (runtime: the margin engine; `()`
		/// until it exists: no positions, every withdrawal the ledger allows passes).
		type WithdrawalGuard: WithdrawalGuard<Self::AccountId>;

		/// May register collateral and change its parameters (runtime: `risk_admin` track).
		type RegistryOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The vault's account is derived from this id.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The most collateral assets there can be (and so the most one account can hold).
		#[pallet::constant]
		type MaxCollaterals: Get<u32>;

		/// Sub-accounts per owner, cross margin (`0`) included: indices `0..MaxSubAccounts`.
		#[pallet::constant]
		type MaxSubAccounts: Get<SubAccountIndex>;

		/// Takes withdrawn collateral to another chain (runtime: XCM).
		type Outbound: OutboundTransfer<Self::AccountId, Self::AssetKind>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Creates assets and prices for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AssetKind, Self::AccountId>;
	}

	/// The registry: each collateral asset's parameters and what the vault holds of it. Ids
	/// are assigned in order and never removed (delisting is [`CollateralStatus::WithdrawOnly`]),
	/// so the next id is the count.
	#[pallet::storage]
	pub type Collaterals<T: Config> =
		CountedStorageMap<_, Twox64Concat, CollateralId, CollateralInfo>;

	/// The asset behind each collateral id (kept apart from [`Collaterals`] so a valuation
	/// never reads a possibly long XCM location).
	#[pallet::storage]
	pub type CollateralAssets<T: Config> = StorageMap<_, Twox64Concat, CollateralId, T::AssetKind>;

	/// The collateral id of each registered asset (for deposits that arrive by asset, such as
	/// XCM and ISMP).
	#[pallet::storage]
	pub type CollateralIdOf<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AssetKind, CollateralId>;

	/// The settlement asset, once chosen, with its decimals (see [`SettlementAsset`]).
	#[pallet::storage]
	pub type SettlementCollateral<T: Config> = StorageValue<_, SettlementAsset>;

	/// Every margin account's balances, one value per account.
	#[pallet::storage]
	pub type Ledgers<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		MarginAccount<T::AccountId>,
		AccountLedger<T::MaxCollaterals>,
		ValueQuery,
	>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Collateral registered at genesis, in id order.
		pub collaterals: Vec<(T::AssetKind, CollateralConfig)>,
		/// The settlement asset among them, if any.
		pub settlement: Option<CollateralId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (asset, config) in &self.collaterals {
				Pallet::<T>::do_register(asset.clone(), *config)
					.expect("genesis collateral must be valid and distinct");
			}
			if let Some(id) = self.settlement {
				Pallet::<T>::do_set_settlement(id).expect("genesis settlement must be registered");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `amount` of `collateral` from `payer`'s wallet was credited to (`owner`, `sub`).
		Deposited {
			owner: T::AccountId,
			sub: SubAccountIndex,
			collateral: CollateralId,
			amount: u128,
			payer: T::AccountId,
		},
		/// `amount` of `collateral` left (`owner`, `sub`) for the wallet `to`.
		Withdrawn {
			owner: T::AccountId,
			sub: SubAccountIndex,
			collateral: CollateralId,
			amount: u128,
			to: T::AccountId,
		},
		/// `owner`'s withdrawal of `amount` of `collateral` left the chain for `destination`.
		SentOut {
			owner: T::AccountId,
			sub: SubAccountIndex,
			collateral: CollateralId,
			amount: u128,
			destination: DestinationOf<T>,
		},
		/// `owner` moved `amount` of `collateral` between two of its sub-accounts.
		Transferred {
			owner: T::AccountId,
			from_sub: SubAccountIndex,
			to_sub: SubAccountIndex,
			collateral: CollateralId,
			amount: u128,
		},
		/// `amount` of the settlement asset moved from one margin account to another.
		SettlementTransferred {
			from: MarginAccount<T::AccountId>,
			to: MarginAccount<T::AccountId>,
			amount: u128,
			reason: SettlementReason,
		},
		/// Liquidation moved `amount` of `collateral` from one margin account to another.
		Seized {
			from: MarginAccount<T::AccountId>,
			to: MarginAccount<T::AccountId>,
			collateral: CollateralId,
			amount: u128,
		},
		/// `asset` became collateral `id`.
		CollateralRegistered { id: CollateralId, asset: T::AssetKind, config: CollateralConfig },
		/// Collateral `id`'s parameters changed.
		CollateralUpdated { id: CollateralId, config: CollateralConfig },
		/// Collateral `id` is the settlement asset.
		SettlementCollateralSet { id: CollateralId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No collateral is registered under this id or asset.
		UnknownCollateral,
		/// A registered collateral's decimals cannot change: its balances are stored in them.
		DecimalsImmutable,
		/// The collateral accepts no deposits (withdraw-only).
		CollateralNotAccepting,
		/// An amount of zero.
		ZeroAmount,
		/// The margin account holds less than the amount.
		InsufficientBalance,
		/// The deposit would take the vault's holding above the asset's deposit cap.
		DepositCapExceeded,
		/// The deposit or transfer would take the margin account above the per-account cap.
		AccountCapExceeded,
		/// The sub-account index is not below `MaxSubAccounts`.
		SubAccountOutOfRange,
		/// Source and destination are the same account.
		SameAccount,
		/// The account's settlement debt would exceed the value of its other collateral.
		InsufficientCollateral,
		/// The change needs collateral that has no usable price (none, stale or halted).
		CollateralPriceUnavailable,
		/// The vault holds less of the settlement asset than the withdrawal (the rest is owed
		/// by accounts in debt and becomes available as they repay or are liquidated).
		VaultLiquidityShortfall,
		/// There are already `MaxCollaterals` collateral assets.
		TooManyCollaterals,
		/// The asset is already registered.
		AlreadyRegistered,
		/// Decimals above 38 (`10^decimals` must fit in `u128`).
		InvalidDecimals,
		/// The per-account cap is above the deposit cap.
		InvalidCaps,
		/// No settlement asset has been chosen yet.
		NoSettlementCollateral,
		/// The settlement asset is already chosen (changing it is a migration, not a call).
		SettlementAlreadySet,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxSubAccounts::get() >= 1, "sub-account 0 (cross margin) must exist");
			assert!(
				T::MaxCollaterals::get() >= 1
					&& T::MaxCollaterals::get() <= u32::from(CollateralId::MAX),
				"MaxCollaterals must be a valid number of collateral ids"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Deposit `amount` of `collateral` from the signer's wallet into its sub-account `sub`.
		///
		/// * Who: any signed account, for its own margin account.
		/// * Changes: the wallet's balance goes to the vault's account; the ledger credits
		///   (signer, `sub`). A settlement-asset deposit first repays debt.
		/// * Events: [`Event::Deposited`].
		/// * Errors: [`Error::ZeroAmount`], [`Error::SubAccountOutOfRange`],
		///   [`Error::UnknownCollateral`], [`Error::CollateralNotAccepting`],
		///   [`Error::DepositCapExceeded`], [`Error::AccountCapExceeded`], [`Error::Overflow`],
		///   or the token's own error (e.g. insufficient wallet balance). Nothing moves on error.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::deposit())]
		pub fn deposit(
			origin: OriginFor<T>,
			collateral: CollateralId,
			#[pallet::compact] amount: u128,
			sub: SubAccountIndex,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deposit(&who, &MarginAccount::new(who.clone(), sub), collateral, amount)
		}

		/// Withdraw `amount` of `collateral` from the signer's sub-account `sub` to its wallet.
		///
		/// * Who: any signed account, from its own margin account.
		/// * Changes: the ledger debits (signer, `sub`); the vault pays the wallet. The account
		///   must stay solvent: settlement debt covered by its other collateral, and the
		///   margin engine ([`Config::WithdrawalGuard`]) satisfied.
		/// * Events: [`Event::Withdrawn`].
		/// * Errors: [`Error::ZeroAmount`], [`Error::SubAccountOutOfRange`],
		///   [`Error::UnknownCollateral`], [`Error::InsufficientBalance`],
		///   [`Error::VaultLiquidityShortfall`], [`Error::InsufficientCollateral`],
		///   [`Error::CollateralPriceUnavailable`], the margin engine's error. Nothing moves on
		///   error.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::guarded(
			T::WeightInfo::withdraw,
			T::MaxCollaterals::get(),
			T::WithdrawalGuard::max_positions(),
		))]
		pub fn withdraw(
			origin: OriginFor<T>,
			collateral: CollateralId,
			#[pallet::compact] amount: u128,
			sub: SubAccountIndex,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let account = MarginAccount::new(who.clone(), sub);
			let (held, check) = Self::do_withdraw(&account, collateral, amount, &who)?;
			let positions = T::WithdrawalGuard::positions(&account);
			Ok(Some(Self::charged(T::WeightInfo::withdraw, held, positions, check)).into())
		}

		/// Move `amount` of `collateral` between two of the signer's sub-accounts.
		///
		/// * Who: any signed account, between its own sub-accounts.
		/// * Changes: the ledger of both sub-accounts; no tokens move. The source must stay
		///   solvent as for [`Pallet::withdraw`].
		/// * Events: [`Event::Transferred`].
		/// * Errors: [`Error::ZeroAmount`], [`Error::SubAccountOutOfRange`],
		///   [`Error::SameAccount`], [`Error::UnknownCollateral`],
		///   [`Error::InsufficientBalance`], [`Error::AccountCapExceeded`],
		///   [`Error::InsufficientCollateral`], [`Error::CollateralPriceUnavailable`], the
		///   margin engine's error.
		#[pallet::call_index(2)]
		#[pallet::weight(Pallet::<T>::guarded(
			T::WeightInfo::transfer,
			T::MaxCollaterals::get(),
			T::WithdrawalGuard::max_positions(),
		))]
		pub fn transfer(
			origin: OriginFor<T>,
			collateral: CollateralId,
			#[pallet::compact] amount: u128,
			from_sub: SubAccountIndex,
			to_sub: SubAccountIndex,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (held, check) = Self::do_transfer(&who, collateral, amount, from_sub, to_sub)?;
			let positions = T::WithdrawalGuard::positions(&MarginAccount::new(who, from_sub));
			Ok(Some(Self::charged(T::WeightInfo::transfer, held, positions, check)).into())
		}

		/// Register `asset` as collateral under the next id.
		///
		/// * Who: [`Config::RegistryOrigin`].
		/// * Events: [`Event::CollateralRegistered`].
		/// * Errors: [`Error::AlreadyRegistered`], [`Error::TooManyCollaterals`],
		///   [`Error::InvalidDecimals`], [`Error::InvalidCaps`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::register_collateral())]
		pub fn register_collateral(
			origin: OriginFor<T>,
			asset: T::AssetKind,
			config: CollateralConfig,
		) -> DispatchResult {
			T::RegistryOrigin::ensure_origin(origin)?;
			Self::do_register(asset, config).map(|_| ())
		}

		/// Change collateral `id`'s parameters. Lowering a cap below what is held blocks new
		/// deposits only; a haircut or price key change applies from the next valuation.
		///
		/// * Who: [`Config::RegistryOrigin`].
		/// * Events: [`Event::CollateralUpdated`].
		/// * Errors: [`Error::UnknownCollateral`], [`Error::InvalidDecimals`],
		///   [`Error::InvalidCaps`], [`Error::DecimalsImmutable`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::update_collateral())]
		pub fn update_collateral(
			origin: OriginFor<T>,
			id: CollateralId,
			config: CollateralConfig,
		) -> DispatchResult {
			T::RegistryOrigin::ensure_origin(origin)?;
			Self::ensure_valid_config(&config)?;
			Collaterals::<T>::try_mutate(id, |info| -> DispatchResult {
				let info = info.as_mut().ok_or(Error::<T>::UnknownCollateral)?;
				// Balances are stored in the asset's units: new decimals would revalue them all.
				ensure!(info.config.decimals == config.decimals, Error::<T>::DecimalsImmutable);
				info.config = config;
				Ok(())
			})?;
			Self::deposit_event(Event::CollateralUpdated { id, config });
			Ok(())
		}

		/// Make collateral `id` the settlement asset (once; PnL, fees and funding are paid in
		/// it and its balances may go negative).
		///
		/// * Who: [`Config::RegistryOrigin`].
		/// * Events: [`Event::SettlementCollateralSet`].
		/// * Errors: [`Error::UnknownCollateral`], [`Error::SettlementAlreadySet`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_settlement_collateral())]
		pub fn set_settlement_collateral(origin: OriginFor<T>, id: CollateralId) -> DispatchResult {
			T::RegistryOrigin::ensure_origin(origin)?;
			Self::do_set_settlement(id)
		}

		/// Withdraw `amount` of `collateral` from the signer's sub-account `sub` and send it to
		/// `destination` on another chain ([`Config::Outbound`]; runtime: XCM to the asset's
		/// reserve, the transferred asset paying the destination's execution fee).
		///
		/// * Who: any signed account, from its own margin account.
		/// * Changes: as [`Pallet::withdraw`] to the signer's wallet, then the outbound route
		///   takes it from there; if the route fails, nothing happens.
		/// * Events: [`Event::Withdrawn`], [`Event::SentOut`] and the route's own.
		/// * Errors: those of [`Pallet::withdraw`], and the route's (runtime: pallet-xcm's).
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::withdraw_to().saturating_add(
			T::WithdrawalGuard::check_weight_surcharge(T::WithdrawalGuard::max_positions())
		))]
		pub fn withdraw_to(
			origin: OriginFor<T>,
			collateral: CollateralId,
			#[pallet::compact] amount: u128,
			sub: SubAccountIndex,
			destination: DestinationOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_to(&MarginAccount::new(who, sub), collateral, amount, destination)?;
			Ok(().into())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Tokens move between wallets and the vault with `Expendable`: a trader may deposit a
		/// whole balance (the token's own rules still refuse to reap an account that other
		/// state depends on); the vault's account is kept alive by its own provider reference.
		pub(crate) const PRESERVATION: Preservation = Preservation::Expendable;

		/// What a guarded outflow declares: its benchmark `weight` (by assets held and
		/// positions) for an account holding `assets` assets and `positions` positions, and the
		/// withdrawal guard's surcharge for that many positions of the costliest kind (another
		/// kind of position may cost more to value than the benchmark's).
		pub fn guarded(weight: fn(u32, u32) -> Weight, assets: u32, positions: u32) -> Weight {
			let positions = positions.min(T::WithdrawalGuard::max_positions());
			weight(assets, positions)
				.saturating_add(T::WithdrawalGuard::check_weight_surcharge(positions))
		}

		/// What a guarded outflow is charged: its benchmark for the account as it was, and what
		/// the guard reported its check cost beyond it (the surcharge of the account's kind).
		pub fn charged(
			weight: fn(u32, u32) -> Weight,
			assets: u32,
			positions: u32,
			check: Weight,
		) -> Weight {
			weight(assets, positions.min(T::WithdrawalGuard::max_positions())).saturating_add(check)
		}
	}
}
