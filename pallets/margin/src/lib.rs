//! # Margin pallet
//!
//! The clearinghouse: turns the order book's fills into positions, books realised PnL, fees
//! and perpetual funding through the collateral ledger, and decides whether an order or a
//! withdrawal may go ahead. Liquidation, the insurance fund and auto-deleveraging build on the
//! health computed here (see the README's roadmap: they are the next part of this pallet).
//!
//! ## Overview
//!
//! * **Positions** per margin account (owner + sub-account, as in the vaults) and market:
//!   signed size and signed cost basis ([`clearinghouse_risk::position`]). All of an account's
//!   positions and resting-order totals are one storage value ([`Accounts`]), so a margin check
//!   reads the account once whatever the number of positions (bounded by
//!   [`Config::MaxPositions`]).
//! * **Money moves through the ledger.** Realised PnL and funding move the settlement asset
//!   between the account and the pallet's clearing account; fees go to the fee account, a
//!   governance share of taker fees to the insurance account ([`Config::InsuranceFeeShare`]).
//!   Every amount is computed once and moved once, so value is conserved to the unit.
//! * **Mark price** = median(oracle index, book mid, oracle EMA) ([`clearinghouse_risk::mark`]):
//!   one manipulated input cannot move it. No oracle price ⇒ no mark ⇒ only risk-reducing
//!   orders, and no withdrawals from accounts with positions there.
//! * **Funding** (perpetuals): every `sample_interval` the premium `(mark − index) / index`,
//!   clamped by governance, advances the market's cumulative funding index; a position settles
//!   what it owes when next touched (O(1), no loop over accounts).
//! * **Requirements** behind [`MarginModel`]: the standard model here (initial and maintenance
//!   fractions, open-interest scaling of the initial one); open orders count at their worst
//!   case (the larger of the position plus all resting buys or minus all resting sells, plus
//!   the new order's immediate loss against the mark). Orders and withdrawals must leave
//!   equity ≥ initial. Cross margin in sub-account 0; isolated sub-accounts only see their own
//!   collateral (the vaults value each sub-account alone).
//!
//! ## Calls
//!
//! [`Pallet::set_market_risk`] (governance). Traders act through the order book and vaults.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod functions;
mod impls;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

pub use clearinghouse_primitives::{
	collateral::{CollateralLedger, MarginAccount, SettlementReason},
	oracle::{Moment, OracleKey, PriceProvider},
	trading::{BookPrices, MarketId},
};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(any(feature = "try-runtime", feature = "std"))]
use polkadot_sdk::sp_runtime;
use polkadot_sdk::{frame_support, frame_system};

/// Sets prices for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// Make `Config::Prices` return `price` for `key`.
	fn set_price(key: OracleKey, price: polkadot_sdk::sp_arithmetic::FixedU128);
	/// Make `Config::Time` return `now`.
	fn set_time(now: Moment);
}

/// The margin requirement, behind a trait so a portfolio (scenario) model can replace the
/// standard one without touching the code that uses it.
pub trait MarginModel {
	/// The (initial, maintenance) requirement of a market exposure: `worst_notional` is the
	/// notional of the position with its open orders at their worst case, `notional` the
	/// position's own; `open_interest` the market's.
	fn requirements(
		params: &RiskParams,
		worst_notional: u128,
		notional: u128,
		open_interest: u128,
	) -> (u128, u128);
}

/// The standard model: fractions of notional, open-interest scaling of the initial fraction.
pub struct StandardModel;
impl MarginModel for StandardModel {
	fn requirements(
		params: &RiskParams,
		worst_notional: u128,
		notional: u128,
		open_interest: u128,
	) -> (u128, u128) {
		use clearinghouse_risk::margin::{requirement, Fractions};
		let fractions = Fractions {
			initial: params.initial,
			maintenance: params.maintenance,
			initial_at_full: params.initial_at_full,
			open_interest_full: params.open_interest_full,
		};
		(
			requirement(worst_notional, fractions.initial_at(open_interest)),
			requirement(notional, params.maintenance),
		)
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::Time, PalletId};
	use frame_system::pallet_prelude::*;
	use polkadot_sdk::sp_arithmetic::Permill;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// A margin account of this runtime.
	pub type AccountOf<T> = MarginAccount<<T as frame_system::Config>::AccountId>;
	/// One account's entries.
	pub type EntriesOf<T> = BoundedVec<PositionEntry, <T as Config>::MaxPositions>;

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The clock: milliseconds since the unix epoch.
		type Time: Time<Moment = Moment>;

		/// Index prices and their EMAs (runtime: the oracle).
		type Prices: PriceProvider<OracleKey>;

		/// Book mid prices (runtime: the order book).
		type Book: BookPrices;

		/// The collateral ledger (runtime: the vaults).
		type Ledger: CollateralLedger<Self::AccountId>;

		/// The requirement model.
		type Model: MarginModel;

		/// May set markets' risk parameters (runtime: `risk_admin` track).
		type RiskAdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The pallet's margin accounts (clearing, fees, insurance) derive from it.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The share of every taker fee that goes to the insurance account.
		type InsuranceFeeShare: Get<Permill>;

		/// Markets one account may hold positions or orders in.
		#[pallet::constant]
		type MaxPositions: Get<u32>;

		/// Markets with risk parameters (bounds the funding sampler).
		#[pallet::constant]
		type MaxMarkets: Get<u32>;

		/// Weights of this pallet.
		type WeightInfo: WeightInfo;

		/// Sets oracle prices for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// Each market's risk parameters.
	#[pallet::storage]
	pub type MarketRisks<T: Config> = CountedStorageMap<_, Twox64Concat, MarketId, RiskParams>;

	/// Each market's funding index and open interest.
	#[pallet::storage]
	pub type MarketStates<T: Config> =
		StorageMap<_, Twox64Concat, MarketId, MarketState, ValueQuery>;

	/// Each margin account's positions and resting-order totals, sorted by market.
	#[pallet::storage]
	pub type Accounts<T: Config> =
		StorageMap<_, Blake2_128Concat, AccountOf<T>, EntriesOf<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A fill changed `account`'s position in `market`.
		PositionChanged {
			account: AccountOf<T>,
			market: MarketId,
			size: i128,
			cost: i128,
			realized_pnl: i128,
			fee: u128,
		},
		/// `account` settled funding in `market` (positive: it paid).
		FundingSettled { account: AccountOf<T>, market: MarketId, amount: i128 },
		/// `market`'s funding index advanced.
		FundingUpdated { market: MarketId, premium: FixedI128, index: FixedI128 },
		/// Governance set `market`'s risk parameters.
		MarketRiskSet { market: MarketId, params: RiskParams },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The market has no risk parameters: it cannot trade.
		MarketNotConfigured,
		/// No settlement asset is set in the ledger.
		NoSettlementAsset,
		/// The market's underlying has no usable oracle price.
		PriceUnavailable,
		/// Equity would fall below the initial requirement.
		InsufficientMargin,
		/// The account holds positions or orders in `MaxPositions` markets.
		TooManyPositions,
		/// Fractions must satisfy 0 < maintenance < initial ≤ initial at full open interest;
		/// decimals at most 38; funding periods positive.
		InvalidRiskParams,
		/// There are risk parameters for `MaxMarkets` markets.
		TooManyMarkets,
		/// An amount overflowed.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			Self::sample_funding()
		}

		fn integrity_test() {
			assert!(T::MaxPositions::get() >= 1, "an account must be able to hold a position");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Set `market`'s risk parameters (the market id is the order book's). A market
		/// without them cannot trade: its fills fail.
		///
		/// * Who: [`Config::RiskAdminOrigin`].
		/// * Changes: the parameters, from the next margin check on; a new market starts its
		///   funding index at zero now.
		/// * Events: [`Event::MarketRiskSet`].
		/// * Errors: [`Error::InvalidRiskParams`], [`Error::TooManyMarkets`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_market_risk())]
		pub fn set_market_risk(
			origin: OriginFor<T>,
			market: MarketId,
			params: RiskParams,
		) -> DispatchResult {
			T::RiskAdminOrigin::ensure_origin(origin)?;
			Self::do_set_market_risk(market, params)
		}
	}

	impl<T: Config> Pallet<T> {
		/// The pallet's account (custodian of its margin accounts in the ledger).
		pub fn account_id() -> T::AccountId {
			use polkadot_sdk::sp_runtime::traits::AccountIdConversion;
			T::PalletId::get().into_account_truncating()
		}

		/// Counterparty of every realised PnL and funding payment.
		pub fn clearing_account() -> AccountOf<T> {
			MarginAccount::new(Self::account_id(), 0)
		}

		/// Where fees go.
		pub fn fee_account() -> AccountOf<T> {
			MarginAccount::new(Self::account_id(), 1)
		}

		/// The insurance fund's share of fees (and, later, of liquidation penalties).
		pub fn insurance_account() -> AccountOf<T> {
			MarginAccount::new(Self::account_id(), 2)
		}
	}
}

use polkadot_sdk::sp_arithmetic::FixedI128;
