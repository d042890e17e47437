//! # Margin pallet
//!
//! The clearinghouse: turns the order book's fills into positions, books realised PnL, fees
//! and perpetual funding through the collateral ledger, decides whether an order or a
//! withdrawal may go ahead, and runs the waterfall when an account cannot pay: liquidation
//! (the `liquidation` module), the insurance account, then auto-deleveraging (the `adl`
//! module).
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
//! * **Instruments**: perpetuals, dated futures (no funding; settled at expiry, module
//!   `settlement`) and European options (module `options`): an option's premium changes hands
//!   at the trade, it is marked at its model price on the oracle index and its underlying's
//!   implied vol, a long counts its haircut value, a short needs `max(a·S − OTM, b·S) + mark`
//!   per unit (only the mark where the underlying covers it), and it settles at its intrinsic
//!   value. Options are configured when the book lists them ([`Pallet::set_option_params`]).
//! * **Mark price** (perpetuals, futures) = median(oracle index, book mid, oracle EMA)
//!   ([`clearinghouse_risk::mark`]): one manipulated input cannot move it. The mid is the
//!   book's as the previous block ended, kept in the market's record
//!   (`OrderMarginCheck::on_mid`): quotes placed in a block do not move that block's marks.
//!   No oracle price ⇒ no mark ⇒ only risk-reducing
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
//! * **Waterfall**: an account below maintenance is liquidated a position at a time (partial
//!   first, into the book within the bankruptcy price, the rest taken over by the insurance
//!   account at mark); its collateral pays first, the insurance account's settlement balance
//!   covers what is left; when that is too small, the insurance account takes the position at
//!   the bankruptcy price and hands it on, at that price, to the opposite side's positions
//!   ranked by profit × leverage. An account with no position never pays.
//!
//! ## Calls
//!
//! [`Pallet::set_market_risk`], [`Pallet::set_liquidation_params`],
//! [`Pallet::set_settlement_params`], [`Pallet::set_option_params`] (governance);
//! [`Pallet::liquidate`], [`Pallet::cover_bad_debt`], [`Pallet::deleverage`],
//! [`Pallet::settle`] (anyone). Traders act through the order book and vaults. `on_idle`
//! sweeps liquidations, settles expired markets and advances deleveraging; `deleverage` and
//! `settle` advance them when blocks are too full for `on_idle` to run.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod adl;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod functions;
mod impls;
mod liquidation;
pub mod migrations;
#[cfg(test)]
mod mock;
mod options;
mod portfolio;
pub mod runtime_api;
mod settlement;
mod simulate;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;
pub use functions::CheckKind;

pub use clearinghouse_primitives::{
	collateral::{
		CollateralId, CollateralLedger, CollateralValuation, MarginAccount, SettlementReason,
	},
	oracle::{
		Moment, OracleKey, PriceProvider, PriceSchedule, PriceSegment, Quote, QuotesListener,
	},
	trading::{BookPrices, Instrument, MarketId, OptionRight},
};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

/// The pallet's sub-account that is the insurance fund (0 clears PnL, 1 collects fees); the
/// fund's further backstop books follow it (see [`Pallet::backstop_account`]).
pub const INSURANCE_SUB: u8 = 2;

#[cfg(any(feature = "try-runtime", feature = "std"))]
use polkadot_sdk::sp_runtime;
use polkadot_sdk::{frame_support, frame_system};

/// Sets prices for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Make `Config::Prices` return `price` for `key`.
	fn set_price(key: OracleKey, price: polkadot_sdk::sp_arithmetic::FixedU128);
	/// Make `Config::Prices` return `price` for `key` and an implied vol of `vol` from its
	/// volatility feed.
	fn set_vol(
		key: OracleKey,
		price: polkadot_sdk::sp_arithmetic::FixedU128,
		vol: polkadot_sdk::sp_arithmetic::FixedU128,
	);
	/// An order-book option market (a call struck at `strike`, expiring at `expiry`) on
	/// `underlying`; `None` without a book.
	fn option_market(underlying: OracleKey, strike: u32, expiry: Moment) -> Option<MarketId>;
	/// Make `Config::Time` return `now`.
	fn set_time(now: Moment);
	/// Credit `amount` of the settlement asset to `account` through the ledger's deposit.
	fn fund(account: &MarginAccount<AccountId>, amount: u128);
	/// An order-book market for `underlying` near `price`, for the benchmarks' worst cases:
	/// with `full_index` its level index full on both sides (what a mark price reads; not for
	/// trading). `None` without a book (the benchmark's markets then exist only here).
	fn book_market(underlying: OracleKey, price: u32, full_index: bool) -> Option<MarketId>;
	/// Rest as many one-unit asks of `account` in book market `market` as it may, from
	/// `price` up, each on a level full of other orders (the most a cancel loads); reduce-only
	/// if `reduce_only` (the account is long enough).
	fn rest_orders(
		account: &MarginAccount<AccountId>,
		market: MarketId,
		price: u32,
		reduce_only: bool,
	);
	/// As many funded accounts as one order may trade with bid one unit each in book market
	/// `market`, from `price` up, each on its own level.
	fn bids(market: MarketId, price: u32);
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
	use frame_support::{
		dispatch::{Pays, PostDispatchInfo},
		pallet_prelude::*,
		traits::Time,
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use polkadot_sdk::sp_arithmetic::Permill;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// A margin account of this runtime.
	pub type AccountOf<T> = MarginAccount<<T as frame_system::Config>::AccountId>;
	/// One account's entries.
	pub type EntriesOf<T> = BoundedVec<PositionEntry, <T as Config>::MaxPositions>;
	/// One account's record (entries and flags).
	pub type RecordOf<T> = AccountRecord<<T as Config>::MaxPositions>;
	/// A deleveraging of this runtime.
	pub type AdlStateOf<T> = AdlState<AccountOf<T>, <T as Config>::MaxAdlCandidates>;

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

		/// Confidential accounts' hidden collateral (runtime: the confidential pallet): its
		/// proven floor counts in equity; liquidation waits out its grace period and covers a
		/// public debt from it.
		type Hidden: clearinghouse_primitives::collateral::HiddenCollateral<Self::AccountId>;

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

		/// Perpetuals and futures on one underlying: each keeps a copy of the underlying's
		/// index reads, which a change of them rewrites (bounds what an oracle feed does here).
		#[pallet::constant]
		type MaxLinearMarketsPerUnderlying: Get<u32>;

		/// Where liquidations trade first (runtime: the order book).
		type LiquidationBook: clearinghouse_primitives::trading::LiquidationBook<Self::AccountId>;

		/// The keeper's share of a liquidation penalty (the rest goes to insurance).
		type LiquidatorShare: Get<Permill>;

		/// Liquidations the `on_idle` sweep performs per block at most.
		#[pallet::constant]
		type MaxLiquidationsPerBlock: Get<u32>;

		/// Markets whose resting orders one liquidation step cancels at most (each may hold
		/// the book's `MaxOpenOrders` on as many levels): a step that leaves orders resting
		/// ends there and the next step goes on, so a step's weight is bounded whatever the
		/// account holds.
		#[pallet::constant]
		type MaxLiquidationCancels: Get<u32>;

		/// Counterparties one deleveraging round ranks and trades with at most.
		#[pallet::constant]
		type MaxAdlCandidates: Get<u32>;

		/// Accounts the deleveraging scan visits per block at most.
		#[pallet::constant]
		type AdlAccountsPerBlock: Get<u32>;

		/// Weights of this pallet.
		type WeightInfo: WeightInfo;

		/// Sets oracle prices for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Each configured market: its risk parameters and running state, one value read once per
	/// position by a margin check.
	#[pallet::storage]
	pub type Markets<T: Config> = CountedStorageMap<_, Twox64Concat, MarketId, MarketRecord>;

	/// The perpetuals and futures on each underlying: the markets whose copies of its index
	/// reads ([`MarketRecord::prices`]) a change of them rewrites.
	#[pallet::storage]
	pub type LinearMarkets<T: Config> = StorageMap<
		_,
		Twox64Concat,
		OracleKey,
		BoundedVec<MarketId, T::MaxLinearMarketsPerUnderlying>,
		ValueQuery,
	>;

	/// The liquidation penalty and target (governance).
	#[pallet::storage]
	pub type LiquidationConfig<T: Config> = StorageValue<_, LiquidationParams, ValueQuery>;

	/// How options on each underlying are marked and margined (governance). An option market
	/// can only be configured on an underlying that has them.
	#[pallet::storage]
	pub type OptionRisks<T: Config> = StorageMap<_, Twox64Concat, OracleKey, OptionParams>;

	/// The portfolio-margin model (governance); `None`: not offered.
	#[pallet::storage]
	pub type PortfolioConfig<T: Config> = StorageValue<_, PortfolioParams>;

	/// How dated markets' settlement prices are taken (see the `settlement` module).
	#[pallet::storage]
	pub type SettlementConfig<T: Config> = StorageValue<_, SettlementParams, ValueQuery>;

	/// Each dated market's settlement: registered with its risk parameters, sampled from the
	/// window before expiry until its price is fixed.
	#[pallet::storage]
	pub type Settlements<T: Config> = CountedStorageMap<_, Twox64Concat, MarketId, SettlementState>;

	/// Where the liquidation sweep resumes (the last account's storage key).
	#[pallet::storage]
	pub type LiquidationCursor<T: Config> = StorageValue<_, BoundedVec<u8, ConstU32<256>>>;

	/// The market after which the insurance account's unwinding resumes.
	#[pallet::storage]
	pub type UnwindCursor<T: Config> = StorageValue<_, MarketId>;

	/// Bad debt the insurance account could not cover, per account (settlement units).
	#[pallet::storage]
	pub type BadDebts<T: Config> = StorageMap<_, Blake2_128Concat, AccountOf<T>, u128>;

	/// Σ [`BadDebts`]: while positive, the settlement asset cannot be withdrawn.
	#[pallet::storage]
	pub type TotalBadDebt<T: Config> = StorageValue<_, u128, ValueQuery>;

	/// Auto-deleveraging in progress, per market (see the `adl` module).
	#[pallet::storage]
	pub type Deleveraging<T: Config> = CountedStorageMap<_, Twox64Concat, MarketId, AdlStateOf<T>>;

	/// Each margin account's record: its positions and resting-order totals, sorted by market,
	/// its margin model and its proven hidden floor — all a margin check reads of the account
	/// besides its collateral, in one value. Removed when it holds nothing of the three.
	#[pallet::storage]
	pub type Accounts<T: Config> =
		StorageMap<_, Blake2_128Concat, AccountOf<T>, RecordOf<T>, ValueQuery>;

	/// Who holds a position in each market, by side (`(market, true)`: the longs): the index a
	/// deleveraging scan walks, so it visits the counter side's holders and nobody else. Kept
	/// in step with [`Accounts`] on every write (one write when a position opens, closes or
	/// flips; none when it only grows or shrinks).
	#[pallet::storage]
	pub type Holders<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		(MarketId, bool),
		Blake2_128Concat,
		AccountOf<T>,
		(),
		OptionQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A fill changed `account`'s position in `market`.
		PositionChanged {
			account: AccountOf<T>,
			market: MarketId,
			quantity: i128,
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
		/// One position of `account` was liquidated: `by_book` closed in the book, the rest
		/// taken over by the insurance account, at mark (`by_backstop`) or at the bankruptcy
		/// price for deleveraging (`by_deleveraging`); `penalty` charged.
		Liquidated {
			account: AccountOf<T>,
			market: MarketId,
			by_book: u128,
			by_backstop: u128,
			by_deleveraging: u128,
			penalty: u128,
			keeper: Option<T::AccountId>,
		},
		/// `account`, with no position left, owed more than its collateral: the insurance
		/// account covered `covered`; `uncovered` is recorded until covered.
		BadDebtRecorded { account: AccountOf<T>, covered: u128, uncovered: u128 },
		/// The insurance account took `size` (its side: long > 0) of bankrupt `account`'s
		/// position in `market` at the bankruptcy `price`, to hand on by deleveraging.
		DeleveragingQueued {
			market: MarketId,
			account: AccountOf<T>,
			quantity: i128,
			price: FixedU128,
		},
		/// Deleveraging closed `size` of `account`'s position in `market` against the insurance
		/// account's inventory, for `notional` (settlement units) — its bankruptcy price.
		Deleveraged { account: AccountOf<T>, market: MarketId, quantity: u128, notional: u128 },
		/// `market`'s deleveraging ended; the insurance account keeps `unfilled` (no
		/// counterparty was left).
		DeleveragingFinished { market: MarketId, unfilled: u128 },
		/// The insurance fund's equity (cash and inventory at mark over every backstop book)
		/// fell to `-deficit`: its position of `quantity` (long > 0) in `market` goes to
		/// deleveraging for `notional` (settlement units), which leaves the fund at zero once
		/// all of it is handed on.
		FundDeficitQueued { market: MarketId, quantity: i128, deficit: u128, notional: u128 },
		/// Governance set the liquidation parameters.
		LiquidationParamsSet { params: LiquidationParams },
		/// The insurance account sold (bought back) `size` of a position it took over as the
		/// backstop in `market` into the book (its remaining position: `left`).
		FundUnwound { market: MarketId, size: u128, left: i128 },
		/// A liquidation step of `account` cancelled its resting orders in `markets` markets
		/// and stopped there: orders still rest elsewhere, the next step goes on.
		LiquidationOrdersCancelled { account: AccountOf<T>, markets: u32 },
		/// Governance set how settlement prices are taken.
		SettlementParamsSet { params: SettlementParams },
		/// `market`'s settlement price is fixed: the index averaged over `covered_ms` of fresh
		/// samples.
		SettlementPriceFixed { market: MarketId, price: FixedU128, covered_ms: u64 },
		/// `market` expired with only `covered_ms` of fresh index samples of the `needed_ms`
		/// its settlement price needs: sampling goes on until they are reached.
		SettlementDelayed { market: MarketId, covered_ms: u64, needed_ms: u64 },
		/// `account`'s position of `quantity` (long > 0) in dated `market` settled in cash at
		/// `price`: a future's settlement price, an option's payoff per unit there (its PnL is
		/// in the `PositionChanged` before this event).
		PositionSettled {
			account: AccountOf<T>,
			market: MarketId,
			quantity: i128,
			price: FixedU128,
		},
		/// Every position of dated `market` settled at `price`; open interest is zero.
		MarketSettled { market: MarketId, price: FixedU128 },
		/// Governance set how options on `underlying` are marked and margined.
		OptionParamsSet { underlying: OracleKey, params: OptionParams },
		/// Governance set the portfolio-margin model.
		PortfolioParamsSet { params: PortfolioParams },
		/// `account` is now margined by the portfolio model (`enabled`) or the standard one.
		PortfolioMarginSet { account: AccountOf<T>, enabled: bool },
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
		/// Equity would fall below the initial requirement with collateral that has no usable
		/// price (stale, no quorum, halted) counted as zero: it may pass once that is priced.
		CollateralUnpriced,
		/// The account holds positions or orders in `MaxPositions` markets.
		TooManyPositions,
		/// Fractions must satisfy 0 < maintenance < initial ≤ initial at full open interest;
		/// decimals at most 38; funding periods positive.
		InvalidRiskParams,
		/// There are risk parameters for `MaxMarkets` markets.
		TooManyMarkets,
		/// The account's equity is not below its maintenance requirement.
		NotLiquidatable,
		/// A confidential account whose grace period to prove a new band has not run out.
		LiquidationDeferred,
		/// A band proof's valuation of a book the band argument does not cover (options, the
		/// portfolio model, markets on another underlying).
		BandUnsupported,
		/// Bad debt is outstanding: the settlement asset cannot be withdrawn until it is
		/// covered.
		BadDebtOutstanding,
		/// The account has no recorded bad debt, or the insurance account holds nothing.
		NothingToCover,
		/// No deleveraging is pending in the market.
		NoDeleveraging,
		/// The account holds the side a pending deleveraging hands its inventory to: its
		/// settlement asset stays in until that deleveraging ends.
		DeleveragingPending,
		/// A configured market's underlying and size decimals cannot change.
		ImmutableParams,
		/// The market has nothing to settle: a perpetual, a settlement price not yet fixed,
		/// or every position already settled.
		NothingToSettle,
		/// An option market's underlying has no option parameters (no implied-vol key): set
		/// them with `set_option_params` first.
		NoVolKey,
		/// Option parameters must satisfy: 0 < maintenance < initial, 0 < maintenance floor ≤
		/// initial floor, a haircut below 100%, decimals at most 38.
		InvalidOptionParams,
		/// The option's premium at the order's limit (with the haircut on what it buys) is
		/// more than the account's free collateral.
		PremiumUnaffordable,
		/// A portfolio grid without a single price step.
		PortfolioGridEmpty,
		/// A portfolio grid of more than 64 scenarios (31 price steps).
		PortfolioGridTooLarge,
		/// A portfolio price range of zero or above 50%, or extreme moves of 100% or more.
		PortfolioPriceRangeOutOfBounds,
		/// A portfolio vol fall of 100%.
		PortfolioVolShockOutOfBounds,
		/// A margin period of risk above a week.
		PortfolioDecayOutOfBounds,
		/// A short-option minimum above 10%.
		PortfolioShortMinimumOutOfBounds,
		/// A portfolio maintenance ratio of 0 or 100%.
		PortfolioMaintenanceRatio,
		/// A correlation credit above 50%, or of an underlying with itself.
		PortfolioCreditAboveBound,
		/// Governance has not set a portfolio model: accounts cannot opt in.
		PortfolioUnavailable,
		/// The account is already margined by the model asked for.
		ModelUnchanged,
		/// The insurance fund's equity at mark is not below zero, or it holds no position to
		/// hand on.
		FundNotInDeficit,
		/// A deleveraging is pending: the fund's value at mark is not its value until it ends
		/// (its inventory is handed on at another price), so its deficit is judged after.
		DeleveragingUnderway,
		/// The underlying has `MaxLinearMarketsPerUnderlying` perpetuals and futures already.
		TooManyMarketsOnUnderlying,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			// The clock's read by hand: the runtime's benchmarks count the timestamp as read (the
			// inherent reads and writes it in every block), but this hook runs before the
			// inherent and is the block's first reader.
			Self::sample_funding()
				.saturating_add(Self::sample_settlements())
				.saturating_add(T::DbWeight::get().reads(1))
		}

		fn on_idle(_n: BlockNumberFor<T>, remaining: Weight) -> Weight {
			// Liquidations first: settling a large expired market must not starve them.
			let used = Self::sweep_liquidations(remaining);
			let used =
				used.saturating_add(Self::process_settlements(remaining.saturating_sub(used)));
			let used = used.saturating_add(Self::check_fund(remaining.saturating_sub(used)));
			let used =
				used.saturating_add(Self::process_deleveraging(remaining.saturating_sub(used)));
			used.saturating_add(Self::unwind_fund(remaining.saturating_sub(used)))
		}

		fn integrity_test() {
			assert!(T::MaxPositions::get() >= 1, "an account must be able to hold a position");
			assert!(
				Self::backstop_account(T::MaxMarkets::get().saturating_sub(1)).is_some(),
				"every market needs a backstop book"
			);
			assert!(T::MaxAdlCandidates::get() >= 1, "deleveraging must rank someone");
			assert!(T::AdlAccountsPerBlock::get() >= 1, "the deleveraging scan must advance");
			assert!(T::MaxLiquidationCancels::get() >= 1, "a liquidation must cancel orders");
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
		/// * Errors: [`Error::InvalidRiskParams`], [`Error::TooManyMarkets`],
		///   [`Error::TooManyMarketsOnUnderlying`] (a new perpetual or future),
		///   [`Error::ImmutableParams`] (a new underlying or size decimals for a configured
		///   market).
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

		/// Liquidate one position of `account`, whose equity is below its maintenance
		/// requirement (see the `liquidation` module). Call again while it still is.
		///
		/// * Who: anyone (a keeper); it receives its share of the penalty in its cross-margin
		///   account. A successful liquidation pays no fee.
		/// * Events: [`Event::Liquidated`], [`Event::BadDebt`], and the order book's and
		///   vaults' events for the trades and transfers.
		/// * Errors: [`Error::NotLiquidatable`], [`Error::PriceUnavailable`],
		///   [`Error::LiquidationDeferred`] (a confidential account within its grace period).
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::liquidate_weight())]
		pub fn liquidate(
			origin: OriginFor<T>,
			account: AccountOf<T>,
		) -> DispatchResultWithPostInfo {
			let keeper = ensure_signed(origin)?;
			Self::do_liquidate(Some(&keeper), &account)?;
			Ok(Pays::No.into())
		}

		/// Cover `account`'s recorded bad debt from the insurance account, as far as it holds
		/// (after donations or fee income). Anyone may call it; a covering call pays no fee.
		///
		/// * Events: [`Event::BadDebt`] with what is still uncovered.
		/// * Errors: [`Error::NothingToCover`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::cover_bad_debt())]
		pub fn cover_bad_debt(
			origin: OriginFor<T>,
			account: AccountOf<T>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_cover_recorded_debt(&account)?;
			Ok(Pays::No.into())
		}

		/// Advance `market`'s pending deleveraging by up to `steps` scanned accounts or
		/// counterparty trades (clamped to at least one and to what one transaction may weigh,
		/// see [`Pallet::deleverage_weight`]), exactly as one `on_idle` step would. `on_idle`
		/// only runs on a block's spare weight, so under sustained load this call is what
		/// guarantees that a deleveraging finishes (and that settlement withdrawals, closed
		/// meanwhile, open again).
		///
		/// * Who: anyone (a keeper). A call that makes progress pays no fee; the unused part of
		///   the declared weight is refunded.
		/// * Weight: `steps` times the larger of a full margin check and a counterparty trade —
		///   the same benchmarked pieces `on_idle` meters deleveraging with (see
		///   [`Pallet::deleverage_weight`]).
		/// * Events: [`Event::Deleveraged`], [`Event::DeleveragingFinished`].
		/// * Errors: [`Error::NoDeleveraging`].
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::deleverage_weight(*steps))]
		pub fn deleverage(
			origin: OriginFor<T>,
			market: MarketId,
			steps: u32,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			ensure!(Deleveraging::<T>::contains_key(market), Error::<T>::NoDeleveraging);
			let check = T::DbWeight::get().reads(1);
			let used = check.saturating_add(Self::advance_deleveraging(
				market,
				Self::deleverage_weight(steps).saturating_sub(check),
			));
			Ok(PostDispatchInfo { actual_weight: Some(used), pays_fee: Pays::No })
		}

		/// Set the liquidation penalty (of the closed notional) and the target buffer above
		/// maintenance that a partial liquidation restores.
		///
		/// * Who: [`Config::RiskAdminOrigin`].
		/// * Events: [`Event::LiquidationParamsSet`].
		/// * Errors: [`Error::InvalidRiskParams`] (a penalty above 50%).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_liquidation_params())]
		pub fn set_liquidation_params(
			origin: OriginFor<T>,
			params: LiquidationParams,
		) -> DispatchResult {
			T::RiskAdminOrigin::ensure_origin(origin)?;
			ensure!(params.penalty <= Permill::from_percent(50), Error::<T>::InvalidRiskParams);
			LiquidationConfig::<T>::put(params);
			Self::deposit_event(Event::LiquidationParamsSet { params });
			Ok(())
		}

		/// Settle up to `steps` positions of dated `market` at its fixed settlement price
		/// (clamped to at least one and to what one transaction may weigh), exactly as
		/// `on_idle` would: under full blocks this call is what guarantees that an expired
		/// market settles. Positions settle longs first, each exactly once.
		///
		/// * Who: anyone (a keeper). A call that settles something pays no fee; the unused
		///   part of the declared weight is refunded.
		/// * Weight: `steps` × (the `settle_position` benchmark, a holder as large as an
		///   account may be, plus covering a bad debt it may leave).
		/// * Events: [`Event::PositionChanged`] and [`Event::PositionSettled`] per position
		///   ([`Event::BadDebtRecorded`] for a holder left below zero with nothing else),
		///   [`Event::MarketSettled`] at the end.
		/// * Errors: [`Error::NothingToSettle`] (a perpetual, a price not yet fixed, or a
		///   market already settled).
		#[pallet::call_index(6)]
		#[pallet::weight(Pallet::<T>::settle_weight(*steps))]
		pub fn settle(
			origin: OriginFor<T>,
			market: MarketId,
			steps: u32,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			ensure!(
				Settlements::<T>::get(market).is_some_and(|s| s.price.is_some() && !s.settled),
				Error::<T>::NothingToSettle
			);
			let check = T::DbWeight::get().reads(1);
			let (step, progressed) =
				Self::advance_settlement(market, Self::settle_weight(steps).saturating_sub(check));
			// Free only when it settled something (a stuck holder cannot be retried for free).
			let pays_fee = if progressed { Pays::No } else { Pays::Yes };
			Ok(PostDispatchInfo { actual_weight: Some(check.saturating_add(step)), pays_fee })
		}

		/// Set how a dated market's settlement price is taken: the averaging window before
		/// expiry and the share of it that fresh index samples must cover. Applies to every
		/// settlement price not yet fixed.
		///
		/// * Who: [`Config::RiskAdminOrigin`].
		/// * Events: [`Event::SettlementParamsSet`].
		/// * Errors: [`Error::InvalidRiskParams`] (a window outside 1 minute – 1 day, or a
		///   coverage below 10%).
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_settlement_params())]
		pub fn set_settlement_params(
			origin: OriginFor<T>,
			params: SettlementParams,
		) -> DispatchResult {
			T::RiskAdminOrigin::ensure_origin(origin)?;
			ensure!(params.is_valid(), Error::<T>::InvalidRiskParams);
			SettlementConfig::<T>::put(params);
			Self::deposit_event(Event::SettlementParamsSet { params });
			Ok(())
		}

		/// Set how options on `underlying` are marked and margined: the oracle key whose
		/// volatility feed marks them, the haircut on long options' value, the fractions and
		/// floors of the short-option requirement (see [`OptionParams`]). The vol key, haircut
		/// and floors apply from the next margin check on to every option on `underlying`;
		/// the size decimals and fractions to options listed from now on (listed ones keep
		/// their own [`RiskParams`]). The book cannot list an option on an underlying without
		/// them.
		///
		/// * Who: [`Config::RiskAdminOrigin`].
		/// * Events: [`Event::OptionParamsSet`].
		/// * Errors: [`Error::InvalidOptionParams`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_option_params())]
		pub fn set_option_params(
			origin: OriginFor<T>,
			underlying: OracleKey,
			params: OptionParams,
		) -> DispatchResult {
			T::RiskAdminOrigin::ensure_origin(origin)?;
			ensure!(params.is_valid(), Error::<T>::InvalidOptionParams);
			OptionRisks::<T>::insert(underlying, params);
			Self::deposit_event(Event::OptionParamsSet { underlying, params });
			Ok(())
		}

		/// Set the portfolio-margin model: the scenario grid, the add-ons, the maintenance
		/// ratio and the correlation credits (see [`PortfolioParams`]). Applies from the next
		/// check of every portfolio account on.
		///
		/// * Who: [`Config::RiskAdminOrigin`].
		/// * Events: [`Event::PortfolioParamsSet`].
		/// * Errors: one per bound — [`Error::PortfolioGridEmpty`],
		///   [`Error::PortfolioGridTooLarge`], [`Error::PortfolioPriceRangeOutOfBounds`],
		///   [`Error::PortfolioVolShockOutOfBounds`], [`Error::PortfolioDecayOutOfBounds`],
		///   [`Error::PortfolioShortMinimumOutOfBounds`], [`Error::PortfolioMaintenanceRatio`],
		///   [`Error::PortfolioCreditAboveBound`].
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_portfolio_params())]
		pub fn set_portfolio_params(
			origin: OriginFor<T>,
			params: PortfolioParams,
		) -> DispatchResult {
			T::RiskAdminOrigin::ensure_origin(origin)?;
			Self::check_portfolio_params(&params)?;
			PortfolioConfig::<T>::put(params.clone());
			Self::deposit_event(Event::PortfolioParamsSet { params });
			Ok(())
		}

		/// Margin the signer's sub-account `sub` by the portfolio model (`enabled`) or the
		/// standard one. The account must meet the initial requirement of the model it moves
		/// to (a switch cannot take it below what it would need to trade).
		///
		/// * Who: the account's owner.
		/// * Weight: a margin check of the largest account under the portfolio model.
		/// * Events: [`Event::PortfolioMarginSet`].
		/// * Errors: [`Error::PortfolioUnavailable`] (no model set), [`Error::ModelUnchanged`],
		///   [`Error::InsufficientMargin`] / [`Error::CollateralUnpriced`] /
		///   [`Error::PriceUnavailable`] (the new model's check). Nothing changes on error.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::set_portfolio_margin())]
		pub fn set_portfolio_margin(
			origin: OriginFor<T>,
			sub: u8,
			enabled: bool,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let account = MarginAccount::new(owner, sub);
			ensure!(!enabled || PortfolioConfig::<T>::exists(), Error::<T>::PortfolioUnavailable);
			let mut record = Accounts::<T>::get(&account);
			ensure!(record.portfolio != enabled, Error::<T>::ModelUnchanged);
			record.portfolio = enabled;
			Self::store_record(&account, record);
			Self::check_withdrawal(&account)?;
			Self::deposit_event(Event::PortfolioMarginSet { account, enabled });
			Ok(())
		}

		/// Hand the insurance fund's own deficit on: when its equity (settlement cash and
		/// inventory at mark over every backstop book) is below zero, its position in the
		/// market where it loses most goes to deleveraging at the price that leaves the fund at
		/// zero (see [`Pallet::queue_fund_deficit`]); `deleverage` (or `on_idle`) then hands it
		/// to the profitable opposite side. `on_idle` makes the same check when a block has
		/// room for it; under sustained load this call is what guarantees it.
		///
		/// * Who: anyone (a keeper). A call that queues pays no fee.
		/// * Weight: every backstop book valued as the largest account (`MaxPositions`
		///   positions, options under both models): [`Pallet::fund_check_weight`].
		/// * Events: [`Event::FundDeficitQueued`].
		/// * Errors: [`Error::FundNotInDeficit`], [`Error::DeleveragingUnderway`],
		///   [`Error::PriceUnavailable`] (a market the fund holds has no price). Nothing
		///   changes on error.
		#[pallet::call_index(10)]
		#[pallet::weight(Pallet::<T>::fund_check_weight())]
		pub fn deleverage_fund(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::queue_fund_deficit()?;
			Ok(Pays::No.into())
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
			MarginAccount::new(Self::account_id(), INSURANCE_SUB)
		}

		/// Where the insurance fund holds the positions it takes over in `market`: its
		/// backstop book for markets `k·MaxPositions ..< (k+1)·MaxPositions` is the pallet's
		/// sub-account `2 + k` (the first is the insurance account itself). One account could
		/// hold only `MaxPositions` positions, so with more markets than that every further
		/// backstop would fail; `MaxMarkets` markets need `⌈MaxMarkets / MaxPositions⌉` books
		/// (checked in `integrity_test`). Their cash (realised PnL, funding) is the fund's:
		/// [`Self::fund_cash`] counts it, [`Self::consolidate_fund`] moves it to the insurance
		/// account before the fund pays out. `None` for a market id beyond the books.
		pub fn backstop_account(market: MarketId) -> Option<AccountOf<T>> {
			let book = market / T::MaxPositions::get().max(1);
			let sub = u8::try_from(book).ok()?.checked_add(INSURANCE_SUB)?;
			Some(MarginAccount::new(Self::account_id(), sub))
		}

		/// How many backstop books `MaxMarkets` markets need (`MaxPositions` markets a book),
		/// the insurance account included.
		pub fn backstop_books() -> u32 {
			T::MaxMarkets::get().div_ceil(T::MaxPositions::get().max(1))
		}

		/// The backstop books other than the insurance account, for `MaxMarkets` markets.
		pub fn extra_backstop_accounts() -> impl Iterator<Item = AccountOf<T>> {
			(1..Self::backstop_books()).filter_map(|k| {
				let sub = u8::try_from(k).ok()?.checked_add(INSURANCE_SUB)?;
				Some(MarginAccount::new(Self::account_id(), sub))
			})
		}
	}
}

use polkadot_sdk::sp_arithmetic::{FixedI128, FixedU128};
