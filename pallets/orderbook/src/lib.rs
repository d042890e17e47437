//! # Order-book pallet
//!
//! A central limit order book per market, matched fully on-chain with price-time priority by
//! the storage-free [`clearinghouse_matching`] core; this pallet validates orders, keeps the
//! book in storage, and reports every trade to the margin engine in the same transaction.
//!
//! ## Overview
//!
//! * **Markets** are listed and changed only by [`Config::MarketAdminOrigin`] (the
//!   `market_admin` track in the runtime): underlying oracle key, kind (perpetual, dated
//!   future, European call/put), tick size, lot size, minimum size, maker/taker fees, status
//!   (active / reduce-only / halted / settled) and a per-account open-order cap.
//! * **Orders** ([`OrderRequest`]): limit or market (with a protection price); good-till-
//!   cancelled, good-till-time (a timestamp), IOC, FOK, post-only; reduce-only; a client id
//!   unique per account and market among its recent orders (a re-submission is refused, even
//!   after the first one filled); self-trade prevention per order. Orders belong to a margin
//!   account (owner + sub-account); self-trade prevention compares margin accounts.
//! * **Margin and fills.** Before an order rests or trades it passes
//!   [`Config::MarginCheck`]; every trade goes to [`Config::FillHandler`] (positions, fees) in
//!   the same transaction — an error there fails the order.
//! * **Bounded work.** A taker touches at most [`Config::MaxMakersPerOrder`] resting orders;
//!   the rest is cancelled (IOC, or a GTC that still crosses: a resting order never crosses
//!   the book) or rests (GTC/GTT/post-only), and unused weight is refunded.
//! * **Expiry.** Good-till-time orders are removed when a taker touches them and by a bounded
//!   sweep in `on_idle` that walks the levels with a cursor that resumes next block.
//! * **A full side evicts its farthest level.** A side holds at most [`Config::MaxLevels`]
//!   price levels (its index is read by every order). An order whose rest would open one more
//!   level cancels every order on the level farthest from the touch
//!   ([`CancelReason::Evicted`]) if its own price is better; beyond the farthest level it is
//!   refused ([`Error::TooManyLevels`]). So dust spread over far prices cannot lock a book
//!   against new quotes: whoever wants to quote inside the book can, and what leaves is the
//!   liquidity least likely to trade. Evicting costs at most one level of
//!   [`Config::MaxOrdersPerLevel`] orders, charged up front and refunded when nothing was
//!   evicted; a `bulk` call evicts at most once.
//!
//! ## Storage, and why it is cheap
//!
//! * [`Markets`]: one value per market with its config, next order id and the sorted prices of
//!   its levels (the book's index). Every order reads it once and writes it once.
//! * [`Levels`]: one value per (market, side, price): the FIFO queue of resting orders.
//! * [`AccountOrders`]: one value per (market, margin account): its resting orders and recent
//!   client ids — cancels, idempotency and the open-order cap read nothing else.
//!
//! There is no order → owner index: an order id carries a 20-bit tag of its owner above its
//! sequence number ([`Pallet::order_id`]), which is all a cancel needs to tell "not found"
//! from "not yours".
//!
//! Placing a resting order: reads `Markets`, `Levels` (its price), `AccountOrders`, the clock;
//! writes `Markets`, `Levels`, `AccountOrders`. Each fill adds the maker's `AccountOrders`
//! (read, write) and, if the maker is on a new price level, that level (read, write): at most
//! 2 reads / 2 writes per fill; each price level crossed is read and written once, however
//! many orders it holds.
//!
//! A `bulk` call is one session (`Session` in `functions.rs`): the market, the signer's index and
//! every level and index it touches are read once and written once for the whole call, and the
//! margin engine checks the outcome once. A placement there costs its matching and its entries
//! in memory, and a level read and write only if no earlier step of the call held that level
//! (`bulk_shared` against `bulk` in the weights).
//!
//! ## Calls
//!
//! [`Pallet::place_order`], [`Pallet::cancel_order`], [`Pallet::cancel_all`],
//! [`Pallet::bulk`] (traders); [`Pallet::create_market`], [`Pallet::update_market`],
//! [`Pallet::set_market_status`] (governance).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
pub mod bench_support;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod book;
pub mod conditional;
mod functions;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_conditional;
#[cfg(test)]
mod tests_twap;
mod twap;
mod types;
pub mod weights;

pub use clearinghouse_primitives::{
	collateral::{MarginAccount, SubAccountIndex},
	oracle::{Moment, OracleKey},
	trading::{
		BookPrices, FillHandler, MarketId, OrderIntent, OrderMarginCheck, TradeFill, TradeSide,
	},
};
pub use functions::{Eviction, Placer};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(any(feature = "try-runtime", feature = "std"))]
use polkadot_sdk::sp_runtime;
use polkadot_sdk::{frame_support, frame_system};

/// Readies markets and accounts for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Make `market` (underlying `underlying`, priced near `price`, sizes in whole units)
	/// tradable for the margin engine.
	fn prepare_market(market: MarketId, underlying: OracleKey, price: FixedU128);
	/// Give `account` ample collateral.
	fn fund(account: &MarginAccount<AccountId>);
	/// Give `account` `collaterals` collateral assets (at least the one [`Self::fund`] gave
	/// it) and `positions` positions (at most the margin engine's bound, less one: the room for
	/// the benchmark's own market), so that checking it or booking its fills costs what an
	/// account of that size costs at most.
	fn enlarge(account: &MarginAccount<AccountId>, positions: u32, collaterals: u32);
	/// Let options on `underlying` be listed (the margin engine's option parameters).
	fn prepare_options(underlying: OracleKey);
}

/// Nothing to ready (a permissive margin engine).
#[cfg(feature = "runtime-benchmarks")]
impl<AccountId> BenchmarkHelper<AccountId> for () {
	fn prepare_market(_: MarketId, _: OracleKey, _: FixedU128) {}
	fn fund(_: &MarginAccount<AccountId>) {}
	fn enlarge(_: &MarginAccount<AccountId>, _: u32, _: u32) {}
	fn prepare_options(_: OracleKey) {}
}

/// The furthest an option's expiry may be listed ahead (ms): two years, the span over which
/// the pricing crate's accuracy is documented.
pub const MAX_OPTION_HORIZON_MS: Moment = 2 * 365 * 86_400_000;

/// The largest strike (inner `FixedU128`): 10^12 whole units, the pricing crate's domain.
pub const MAX_STRIKE_INNER: u128 = 1_000_000_000_000 * 1_000_000_000_000_000_000;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use clearinghouse_matching::RestingOrder;
	use frame_support::{pallet_prelude::*, traits::Time};
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// A market's stored state.
	pub type MarketOf<T> = Market<<T as Config>::MaxLevels>;
	/// A margin account of this runtime.
	pub type AccountOf<T> = MarginAccount<<T as frame_system::Config>::AccountId>;
	/// One price level's queue.
	pub type LevelOf<T> = BoundedVec<RestingOrder<AccountOf<T>>, <T as Config>::MaxOrdersPerLevel>;
	/// One account's orders in one market.
	pub type AccountOrdersOf<T> =
		types::OrdersOfAccount<<T as Config>::MaxOpenOrders, <T as Config>::MaxRecentClientIds>;
	/// One owner's conditional orders.
	pub type OwnerConditionalsOf<T> =
		types::OwnerConditionals<<T as Config>::MaxConditionals, <T as Config>::Deposit>;

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The clock: milliseconds since the unix epoch (`pallet-timestamp`).
		type Time: Time<Moment = Moment>;

		/// May list markets and change them (runtime: `market_admin` track).
		type MarketAdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Consulted before an order rests or trades (runtime: the margin engine).
		type MarginCheck: OrderMarginCheck<Self::AccountId>;

		/// Told of every trade in the same transaction (runtime: the margin engine).
		type FillHandler: FillHandler<Self::AccountId>;

		/// Told of every listing in the same transaction (runtime: the margin engine, which
		/// configures options from their underlying's option parameters and refuses an option
		/// on an underlying without them).
		type Listing: clearinghouse_primitives::trading::MarketListing;

		/// Options one expiry of one underlying may list (calls and puts: twice the strikes).
		#[pallet::constant]
		type MaxOptionsPerExpiry: Get<u32>;

		/// Expiries one underlying may have options listed for at once (expired ones are
		/// pruned at the next listing).
		#[pallet::constant]
		type MaxExpiriesPerUnderlying: Get<u32>;

		/// Price levels per side of one market.
		#[pallet::constant]
		type MaxLevels: Get<u32>;

		/// Orders resting at one price.
		#[pallet::constant]
		type MaxOrdersPerLevel: Get<u32>;

		/// The hard bound of a market's per-account open-order cap.
		#[pallet::constant]
		type MaxOpenOrders: Get<u32>;

		/// How many recent client ids are remembered per account and market.
		#[pallet::constant]
		type MaxRecentClientIds: Get<u32>;

		/// Resting orders one taker may touch (fill, expire, self-trade cancel) per call.
		#[pallet::constant]
		type MaxMakersPerOrder: Get<u32>;

		/// Cancels plus placements in one `bulk` call.
		#[pallet::constant]
		type MaxBulk: Get<u32>;

		/// Sub-accounts per owner (as in the vaults).
		#[pallet::constant]
		type MaxSubAccounts: Get<SubAccountIndex>;

		/// Markets there can be.
		#[pallet::constant]
		type MaxMarkets: Get<u32>;

		/// Conditional orders one owner may have waiting (all sub-accounts and markets).
		#[pallet::constant]
		type MaxConditionals: Get<u32>;

		/// Fired conditional orders placed per block by `on_idle` (the rest wait in the queue
		/// for the next block, in firing order).
		#[pallet::constant]
		type MaxTriggersPerBlock: Get<u32>;

		/// The shortest interval between a TWAP order's slices (ms).
		#[pallet::constant]
		type MinTwapInterval: Get<Moment>;

		/// The most slices one TWAP order may have.
		#[pallet::constant]
		type MaxTwapSlices: Get<u32>;

		/// What an owner's waiting conditional and TWAP orders hold of its balance, by their
		/// number and size (runtime: a hold of the native token, `HoldConsideration`; `()`
		/// holds nothing). The chain does the work of firing and placing them; the deposit is
		/// what makes filling its queue with orders cost something.
		type Deposit: frame_support::traits::Consideration<
			Self::AccountId,
			frame_support::traits::Footprint,
		>;

		/// The most fired conditional orders one `execute_triggered` places: each is declared
		/// at the costliest placement, and the call must fit one transaction.
		#[pallet::constant]
		type MaxTriggersPerCall: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Readies markets and accounts for the benchmarks (margin parameters, prices,
		/// collateral), so they pass the runtime's real margin engine.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Every market: config, next order id and level index.
	#[pallet::storage]
	pub type Markets<T: Config> = CountedStorageMap<_, Twox64Concat, MarketId, MarketOf<T>>;

	/// The resting orders at each (market, side, price), oldest first.
	#[pallet::storage]
	pub type Levels<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, MarketId>,
			NMapKey<Twox64Concat, Side>,
			NMapKey<Twox64Concat, Price>,
		),
		LevelOf<T>,
		ValueQuery,
	>;

	/// Each margin account's resting orders and recent client ids, per market.
	#[pallet::storage]
	pub type AccountOrders<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		MarketId,
		Blake2_128Concat,
		AccountOf<T>,
		AccountOrdersOf<T>,
		ValueQuery,
	>;

	/// Each option chain: the options listed on an underlying for one expiry, in the order
	/// they were listed (a chain listing: by strike, the call then the put).
	#[pallet::storage]
	pub type OptionChains<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		OracleKey,
		Twox64Concat,
		Moment,
		BoundedVec<ChainEntry, <T as Config>::MaxOptionsPerExpiry>,
		ValueQuery,
	>;

	/// The expiries each underlying has options listed for, ascending; expired ones are
	/// pruned when the next option on the underlying is listed.
	#[pallet::storage]
	pub type OptionExpiries<T: Config> = StorageMap<
		_,
		Twox64Concat,
		OracleKey,
		BoundedVec<Moment, <T as Config>::MaxExpiriesPerUnderlying>,
		ValueQuery,
	>;

	/// Where the expiry sweep resumes: market, side and position in that side's level index.
	#[pallet::storage]
	pub type SweepCursor<T: Config> = StorageValue<_, (MarketId, Side, u32)>;

	/// The markets whose book changed in this block (each once): when the next block begins,
	/// their mids are reported to the margin engine, which marks at the mid as the previous
	/// block ended. Emptied then.
	#[pallet::storage]
	pub type ChangedBooks<T: Config> =
		StorageValue<_, BoundedVec<MarketId, T::MaxMarkets>, ValueQuery>;

	/// Conditional orders by owner and the owner's sequence number (see [`conditional`]).
	#[pallet::storage]
	pub type Conditionals<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u64, Conditional>;

	/// Each owner's next conditional sequence number and live conditional orders.
	#[pallet::storage]
	pub type ConditionalOwners<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, OwnerConditionalsOf<T>, ValueQuery>;

	/// The trigger index: (market, lane, trigger sort key, placing block and extrinsic, owner,
	/// sequence), in firing order within a lane (see [`conditional`]).
	#[pallet::storage]
	pub type Triggers<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, MarketId>,
			NMapKey<Twox64Concat, conditional::Lane>,
			NMapKey<Identity, [u8; 16]>,
			NMapKey<Identity, [u8; 8]>,
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Twox64Concat, u64>,
		),
		(),
	>;

	/// The markets that may hold triggers, ascending (the scan drops one whose lanes are empty).
	#[pallet::storage]
	pub type ArmedMarkets<T: Config> =
		StorageValue<_, BoundedVec<MarketId, T::MaxMarkets>, ValueQuery>;

	/// Where the next trigger scan starts in [`ArmedMarkets`].
	#[pallet::storage]
	pub type TriggerCursor<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Fired conditional orders waiting to be placed, by queue position.
	#[pallet::storage]
	pub type FiredQueue<T: Config> = StorageMap<_, Twox64Concat, u64, (T::AccountId, u64)>;

	/// The fired queue's head (next to place) and tail (next free position).
	#[pallet::storage]
	pub type FiredBounds<T: Config> = StorageValue<_, (u64, u64), ValueQuery>;

	/// Running TWAP orders by owner and the owner's sequence number (see [`twap`]).
	#[pallet::storage]
	pub type Twaps<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u64, Twap>;

	/// The TWAP slices by due time (big-endian ms), owner and sequence: in the order they fall
	/// due.
	#[pallet::storage]
	pub type TwapDue<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Identity, [u8; 8]>,
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Twox64Concat, u64>,
		),
		(),
	>;

	/// Why this pallet holds balance.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of an owner's waiting conditional and TWAP orders.
		#[codec(index = 0)]
		ConditionalOrders,
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An order was accepted (it then trades, rests or is cancelled: see the next events).
		OrderPlaced {
			market: MarketId,
			order_id: OrderId,
			account: AccountOf<T>,
			side: Side,
			price: FixedU128,
			quantity: u128,
			client_id: Option<u64>,
			time_in_force: TimeInForce,
		},
		/// A trade: `taker`'s arriving order met `maker`'s resting one at the maker's price.
		Traded {
			market: MarketId,
			taker_order: OrderId,
			maker_order: OrderId,
			taker: AccountOf<T>,
			maker: AccountOf<T>,
			taker_side: Side,
			price: FixedU128,
			quantity: u128,
		},
		/// What is left of the order rests in the book.
		OrderRested { market: MarketId, order_id: OrderId, remaining: u128 },
		/// An order (or its unfilled rest) left the book or never rested.
		OrderCancelled {
			market: MarketId,
			order_id: OrderId,
			account: AccountOf<T>,
			remaining: u128,
			reason: CancelReason,
		},
		/// A reduce-only order shrank to `remaining` because its owner's position did (it
		/// keeps its place in the queue).
		OrderReduced { market: MarketId, order_id: OrderId, account: AccountOf<T>, remaining: u128 },
		/// A market was listed.
		MarketCreated { market: MarketId, config: MarketConfig },
		/// A chain of options on `underlying` expiring at `expiry` was listed: a call and a
		/// put at each of `strikes` strikes, as markets `first_market` onwards (each also in
		/// its own [`Event::MarketCreated`]).
		OptionChainListed {
			underlying: OracleKey,
			expiry: Moment,
			strikes: u32,
			first_market: MarketId,
		},
		/// A market's parameters changed.
		MarketUpdated { market: MarketId, params: MarketParams },
		/// A market's status changed.
		MarketStatusChanged { market: MarketId, status: MarketStatus },
		/// A conditional order waits for its trigger; `oco` names the other order of its
		/// one-cancels-other pair.
		ConditionalPlaced {
			account: AccountOf<T>,
			market: MarketId,
			id: u64,
			spec: ConditionalSpec,
			oco: Option<u64>,
		},
		/// A conditional order's trigger was crossed (the watched price was `price`): it waits
		/// in the queue for its placement.
		ConditionalFired { account: AccountOf<T>, market: MarketId, id: u64, price: FixedU128 },
		/// A fired conditional order was placed as order `order_id` (its own events follow).
		ConditionalExecuted { account: AccountOf<T>, market: MarketId, id: u64, order_id: OrderId },
		/// A TWAP order runs: `slices` slices, the first at once.
		TwapPlaced { account: AccountOf<T>, market: MarketId, id: u64, spec: TwapSpec, slices: u32 },
		/// A slice of a TWAP order was placed: its size, what it filled, and its error if it
		/// was refused.
		TwapSliced {
			account: AccountOf<T>,
			market: MarketId,
			id: u64,
			quantity: u128,
			filled: u128,
			error: Option<DispatchError>,
		},
		/// A TWAP order ended (its last slice, all filled, or cancelled): what it filled in all
		/// and what it left.
		TwapEnded {
			account: AccountOf<T>,
			market: MarketId,
			id: u64,
			filled: u128,
			remaining: u128,
			cancelled: bool,
		},
		/// A conditional order left without being placed: why, and the placement's error when
		/// it was refused.
		ConditionalEnded {
			account: AccountOf<T>,
			market: MarketId,
			id: u64,
			end: ConditionalEnd,
			error: Option<DispatchError>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No market has this id.
		UnknownMarket,
		/// The market takes no orders (halted or settled).
		MarketNotTrading,
		/// The market takes only reduce-only orders.
		MarketReduceOnly,
		/// A price of zero.
		ZeroPrice,
		/// The price is not a multiple of the tick size.
		PriceOffTick,
		/// The price is too large for the book.
		PriceOverflow,
		/// A size of zero.
		ZeroSize,
		/// The size is not a multiple of the lot size.
		SizeOffLot,
		/// The size is below the market's minimum.
		BelowMinSize,
		/// The size is too large for the book.
		SizeOverflow,
		/// A market order must be IOC or FOK.
		InvalidTimeInForce,
		/// A good-till-time order whose time has passed.
		AlreadyExpired,
		/// A post-only order that would trade on arrival.
		PostOnlyWouldCross,
		/// A fill-or-kill order that cannot fill completely.
		FokUnfillable,
		/// A reduce-only order that would not only reduce the position.
		ReduceOnlyViolated,
		/// The account has the market's maximum of open orders.
		TooManyOpenOrders,
		/// The client id is already used by a recent order of this account in this market.
		DuplicateClientId,
		/// No resting order has this id (or client id).
		OrderNotFound,
		/// The order belongs to another account.
		NotOrderOwner,
		/// The price level holds `MaxOrdersPerLevel` orders.
		LevelFull,
		/// The side holds `MaxLevels` price levels and the order's price is beyond the
		/// farthest of them (or a `bulk` call already evicted a level).
		TooManyLevels,
		/// The sub-account index is not below `MaxSubAccounts`.
		SubAccountOutOfRange,
		/// There are `MaxMarkets` markets.
		TooManyMarkets,
		/// Tick size and lot size must be positive, the minimum size a positive multiple of
		/// the lot size, the open-order cap between 1 and `MaxOpenOrders`.
		InvalidMarketConfig,
		/// The market already has this status.
		StatusUnchanged,
		/// The market is a dated one (a future or an option) and its expiry has come: it takes
		/// no more orders (cancels only) until it settles.
		MarketExpired,
		/// A dated market listed with an expiry that is not in the future.
		ExpiryInPast,
		/// An option struck at zero, off the tick or above 10^12 (the pricing domain).
		InvalidStrike,
		/// An option expiring more than two years ahead (beyond the pricing's documented
		/// accuracy).
		ExpiryOutOfRange,
		/// The option (strike and right) is already listed for this underlying and expiry,
		/// or a chain names a strike twice.
		DuplicateStrike,
		/// More options for one expiry than `MaxOptionsPerExpiry`, or a chain of no strikes.
		TooManyStrikes,
		/// Options listed for more than `MaxExpiriesPerUnderlying` expiries of the underlying.
		TooManyExpiries,
		/// `bulk` with more than `MaxBulk` operations.
		TooManyOperations,
		/// A conditional order's trigger price of zero.
		ZeroTriggerPrice,
		/// The watched price is already at or beyond the trigger: the order would fire at once
		/// (a stop below the price for a buy, above it for a sell; a take-profit the other way).
		TriggerOnWrongSide,
		/// The watched price is unavailable (no quorum, a tripped breaker, no trade yet): a
		/// trigger cannot be placed against it.
		TriggerPriceUnavailable,
		/// The owner has `MaxConditionals` conditional orders waiting (none expired).
		TooManyConditionals,
		/// The owner has no conditional order with this id.
		ConditionalNotFound,
		/// The two orders of a one-cancels-other pair are for different sub-accounts.
		OcoAccountMismatch,
		/// `execute_triggered` asked for more than `MaxTriggersPerCall` placements, or none.
		InvalidTriggerCount,
		/// A TWAP order of no slice: an interval of zero or longer than its duration.
		ZeroSlices,
		/// A TWAP order's interval is below `MinTwapInterval`.
		TwapIntervalTooShort,
		/// A TWAP order of more than `MaxTwapSlices` slices.
		TooManySlices,
		/// A TWAP order's slice would be below the market's minimum size.
		TwapSliceTooSmall,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Reports the mids of the books the previous block changed (at most `MaxMarkets`).
		/// Runs before the margin engine's hook in the runtime (it is declared first), so
		/// funding samples the mid as the previous block ended too.
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			Self::report_mids()
		}

		/// Places fired conditional orders and fires crossed ones, then due TWAP slices (at
		/// most `MaxTriggersPerBlock` placements in all), then sweeps expired resting orders,
		/// within `remaining`.
		fn on_idle(_n: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let max = T::MaxTriggersPerBlock::get();
			let run = Self::run_triggers(remaining, max, None);
			let (_, twaps) = Self::run_twaps(
				remaining.saturating_sub(run.weight),
				max.saturating_sub(run.executed),
			);
			let used = run.weight.saturating_add(twaps);
			used.saturating_add(Self::sweep_expired(remaining.saturating_sub(used)))
		}

		fn integrity_test() {
			assert!(T::MaxMakersPerOrder::get() >= 1, "a taker must be able to meet one maker");
			assert!(T::MaxOpenOrders::get() >= 1, "an account must be able to rest one order");
			assert!(T::MaxSubAccounts::get() >= 1, "sub-account 0 must exist");
			assert!(T::MaxConditionals::get() >= 2, "an owner must be able to hold an OCO pair");
			assert!(T::MaxTriggersPerBlock::get() >= 1, "a block must be able to place a trigger");
			assert!(T::MaxTriggersPerCall::get() >= 1, "a keeper must be able to place a trigger");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Place an order for the signer's sub-account `sub` in `market`.
		///
		/// * Who: any signed account, for its own margin account.
		/// * Changes: matches against the opposite side (each trade reported to the margin
		///   engine); the rest rests or is cancelled as its time in force says.
		/// * Events: [`Event::OrderPlaced`], then [`Event::Trade`] per fill,
		///   [`Event::OrderCancelled`] for resting orders removed on the way (expired,
		///   self-trade, reduce-only), and [`Event::OrderRested`] or [`Event::OrderCancelled`]
		///   for the rest. A rest that opens a level on a side already holding `MaxLevels`
		///   evicts the farthest level: its orders are cancelled ([`CancelReason::Evicted`]).
		/// * Errors: [`Error::UnknownMarket`], [`Error::MarketNotTrading`],
		///   [`Error::MarketReduceOnly`], [`Error::ZeroPrice`], [`Error::PriceOffTick`],
		///   [`Error::PriceOverflow`], [`Error::ZeroSize`], [`Error::SizeOffLot`],
		///   [`Error::BelowMinSize`], [`Error::SizeOverflow`], [`Error::InvalidTimeInForce`],
		///   [`Error::AlreadyExpired`], [`Error::MarketExpired`] (a future or option at or past
		///   its expiry), [`Error::PostOnlyWouldCross`], [`Error::FokUnfillable`],
		///   [`Error::ReduceOnlyViolated`], [`Error::TooManyOpenOrders`],
		///   [`Error::DuplicateClientId`], [`Error::LevelFull`], [`Error::TooManyLevels`],
		///   [`Error::SubAccountOutOfRange`], the margin engine's errors. Nothing changes.
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::place_order_weight())]
		pub fn place_order(
			origin: OriginFor<T>,
			market: MarketId,
			sub: SubAccountIndex,
			order: OrderRequest,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let account = MarginAccount::new(who, sub);
			let placed = Self::do_place(&account, market, order)?;
			let placer = Self::placer(&account);
			let weight = Self::place_weight(placed.touched, placed.evicted, placer)
				.saturating_add(placed.check_cost)
				.saturating_sub(Self::listing_refund(placed.listed));
			Ok(Some(weight).into())
		}

		/// Cancel one of the signer's resting orders, by id or client id.
		///
		/// * Who: the order's owner. Allowed in every market status.
		/// * Events: [`Event::OrderCancelled`] (reason `User`).
		/// * Weight: the benchmark; the changed-books list's read and write refunded when an
		///   earlier call in the block already listed the book.
		/// * Errors: [`Error::UnknownMarket`], [`Error::OrderNotFound`],
		///   [`Error::NotOrderOwner`], [`Error::SubAccountOutOfRange`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::cancel_order())]
		pub fn cancel_order(
			origin: OriginFor<T>,
			market: MarketId,
			sub: SubAccountIndex,
			order: OrderRef,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let listed = Self::do_cancel(&MarginAccount::new(who, sub), market, order)?;
			let weight = T::WeightInfo::cancel_order().saturating_sub(Self::listing_refund(listed));
			Ok(Some(weight).into())
		}

		/// Cancel all of the signer's resting orders in `market`.
		///
		/// * Who: any signed account, for its own sub-account. Allowed in every market status.
		/// * Weight: the benchmark at the orders cancelled; the changed-books list's read and
		///   write refunded when an earlier call in the block already listed the book.
		/// * Events: [`Event::OrderCancelled`] per order.
		/// * Errors: [`Error::UnknownMarket`], [`Error::SubAccountOutOfRange`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::cancel_all(T::MaxOpenOrders::get()))]
		pub fn cancel_all(
			origin: OriginFor<T>,
			market: MarketId,
			sub: SubAccountIndex,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (cancelled, listed) = Self::do_cancel_all(&MarginAccount::new(who, sub), market)?;
			// Without orders nothing was written and the book was not listed: charged the
			// benchmark at none all the same (its fit's fixed part, an upper bound).
			let refund = if cancelled == 0 { Weight::zero() } else { Self::listing_refund(listed) };
			Ok(Some(T::WeightInfo::cancel_all(cancelled).saturating_sub(refund)).into())
		}

		/// Cancel, then place, up to `MaxBulk` orders in one market, all or nothing (a market
		/// maker replacing quotes sees either the old quotes or all the new ones). At most one
		/// placement per call evicts a level (see [`Pallet::place_order`]), and the placements
		/// share one taker's budget of `MaxMakersPerOrder` resting orders touched: once it is
		/// spent, a placement that still crosses the book has its crossing remainder cancelled
		/// ([`CancelReason::MatchLimit`]), as a single order's would be.
		///
		/// **One margin check per call.** The book, the signer's orders and every index the
		/// call touches are read once and written once; the placements are matched and rested
		/// one after the other, then the margin engine checks the outcome once (its rule: the
		/// account meets its initial requirement with every resting order at its worst case, or
		/// the placements did not raise that requirement and equity stays at or above
		/// maintenance; without a mark price each placement must only reduce the position at
		/// no loss). A failing check undoes the whole call, fills included.
		///
		/// * Who: any signed account, for its own sub-account.
		/// * Weight: the `bulk` benchmark for the cancels and resting placements (with the one
		///   margin check), one taker's makers, one eviction, and the margin check's surcharge
		///   for the largest account; what the call did not touch is refunded.
		/// * Events: as for [`Pallet::cancel_order`] and [`Pallet::place_order`], in order.
		/// * Errors: [`Error::TooManyOperations`], any error of a cancel or placement, and the
		///   margin engine's errors for the outcome. Nothing changes.
		#[pallet::call_index(3)]
		#[pallet::weight(Pallet::<T>::bulk_weight(cancels.len() as u32, places.len() as u32))]
		pub fn bulk(
			origin: OriginFor<T>,
			market: MarketId,
			sub: SubAccountIndex,
			cancels: BoundedVec<OrderRef, T::MaxBulk>,
			places: BoundedVec<OrderRequest, T::MaxBulk>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			ensure!(
				cancels.len().saturating_add(places.len()) <= T::MaxBulk::get() as usize,
				Error::<T>::TooManyOperations
			);
			let account = MarginAccount::new(who, sub);
			let bulked = Self::do_bulk(&account, market, &cancels, &places)?;
			let weight = Self::bulk_charged(&account, cancels.len() as u32, &bulked);
			Ok(Some(weight).into())
		}

		/// List a market under the next id. An option joins its underlying's chain for its
		/// expiry (see [`Pallet::list_option_chain`] for a whole chain at once).
		///
		/// * Who: [`Config::MarketAdminOrigin`].
		/// * Events: [`Event::MarketCreated`].
		/// * Errors: [`Error::InvalidMarketConfig`], [`Error::TooManyMarkets`],
		///   [`Error::ExpiryInPast`] (a future or option whose expiry is not after now), and
		///   for an option [`Error::InvalidStrike`], [`Error::ExpiryOutOfRange`],
		///   [`Error::DuplicateStrike`], [`Error::TooManyStrikes`], [`Error::TooManyExpiries`]
		///   and the margin engine's `NoVolKey` (its underlying has no option parameters).
		#[pallet::call_index(4)]
		// An option costs what a one-strike chain does (its chain index, the margin engine's
		// configuration); the benchmark lists a perpetual.
		#[pallet::weight(T::WeightInfo::create_market().max(T::WeightInfo::list_option_chain(1)))]
		pub fn create_market(origin: OriginFor<T>, config: MarketConfig) -> DispatchResult {
			T::MarketAdminOrigin::ensure_origin(origin)?;
			Self::do_create_market(config).map(|_| ())
		}

		/// Change a market's minimum size, fees and open-order cap (tick and lot sizes are
		/// fixed: resting orders are stored in them). Applies to orders placed from now on.
		///
		/// * Who: [`Config::MarketAdminOrigin`].
		/// * Events: [`Event::MarketUpdated`].
		/// * Errors: [`Error::UnknownMarket`], [`Error::InvalidMarketConfig`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::update_market())]
		pub fn update_market(
			origin: OriginFor<T>,
			market: MarketId,
			params: MarketParams,
		) -> DispatchResult {
			T::MarketAdminOrigin::ensure_origin(origin)?;
			Markets::<T>::try_mutate(market, |m| -> DispatchResult {
				let m = m.as_mut().ok_or(Error::<T>::UnknownMarket)?;
				let config = MarketConfig { params, ..m.config };
				Self::ensure_valid_config(&config)?;
				m.config = config;
				Ok(())
			})?;
			Self::deposit_event(Event::MarketUpdated { market, params });
			Ok(())
		}

		/// Set a market's status: active, reduce-only, halted or settled. Resting orders stay
		/// (their owners may cancel them in any status).
		///
		/// * Who: [`Config::MarketAdminOrigin`].
		/// * Events: [`Event::MarketStatusChanged`].
		/// * Errors: [`Error::UnknownMarket`], [`Error::StatusUnchanged`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_market_status())]
		pub fn set_market_status(
			origin: OriginFor<T>,
			market: MarketId,
			status: MarketStatus,
		) -> DispatchResult {
			T::MarketAdminOrigin::ensure_origin(origin)?;
			Markets::<T>::try_mutate(market, |m| -> DispatchResult {
				let m = m.as_mut().ok_or(Error::<T>::UnknownMarket)?;
				ensure!(m.config.status != status, Error::<T>::StatusUnchanged);
				m.config.status = status;
				Ok(())
			})?;
			Self::deposit_event(Event::MarketStatusChanged { market, status });
			Ok(())
		}

		/// List a whole option chain in one call: a call and a put at each of `strikes` (any
		/// order), all on `underlying`, expiring at `expiry`, with the tick and lot sizes,
		/// minimum size, fees and open-order cap of `template`, every one active. The margin
		/// engine configures each from the underlying's option parameters.
		///
		/// * Who: [`Config::MarketAdminOrigin`].
		/// * Changes: `2 × strikes` markets under the next ids (by strike ascending, the call
		///   then the put), the chain index ([`OptionChains`], [`OptionExpiries`]). All or
		///   nothing.
		/// * Events: [`Event::MarketCreated`] per market, then [`Event::OptionChainListed`].
		/// * Errors: [`Error::TooManyStrikes`] (none, or more than the chain may hold),
		///   [`Error::DuplicateStrike`], [`Error::InvalidStrike`], [`Error::ExpiryInPast`],
		///   [`Error::ExpiryOutOfRange`], [`Error::TooManyExpiries`],
		///   [`Error::InvalidMarketConfig`], [`Error::TooManyMarkets`], the margin engine's
		///   `NoVolKey`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::list_option_chain(strikes.len() as u32))]
		pub fn list_option_chain(
			origin: OriginFor<T>,
			underlying: OracleKey,
			expiry: Moment,
			strikes: BoundedVec<FixedU128, T::MaxOptionsPerExpiry>,
			template: ChainTemplate,
		) -> DispatchResult {
			T::MarketAdminOrigin::ensure_origin(origin)?;
			Self::do_list_option_chain(underlying, expiry, &strikes, template).map(|_| ())
		}

		/// Place a conditional order in `market`: when the price `spec.source` watches crosses
		/// `spec.trigger_price` (a sell stop or a buy take-profit when it falls to it, a buy stop
		/// or a sell take-profit when it rises to it), `spec.order` is placed for the signer's
		/// sub-account `spec.sub` through the same checks and margin check as any order. With
		/// `oco`, a second order for the same sub-account is placed with it as a
		/// one-cancels-other pair: when one fires, the other is cancelled.
		///
		/// * Who: any signed account, for its own sub-account.
		/// * Changes: the order(s), their trigger index entries, the signer's list (the oldest
		///   expired order of a full list leaves to make room). Nothing is reserved: the
		///   margin check is made when the order is placed.
		/// * Events: [`Event::ConditionalPlaced`] per order (and [`Event::ConditionalEnded`]
		///   for an expired one that made room).
		/// * Errors: [`Error::UnknownMarket`], [`Error::ZeroTriggerPrice`],
		///   [`Error::PriceOffTick`] (the trigger), [`Error::TriggerPriceUnavailable`],
		///   [`Error::TriggerOnWrongSide`], [`Error::AlreadyExpired`] (the expiry),
		///   [`Error::TooManyConditionals`], [`Error::OcoAccountMismatch`],
		///   [`Error::SubAccountOutOfRange`], [`Error::TooManyMarkets`] (the armed list), and
		///   every error of the order's own validation that does not depend on the book
		///   ([`Error::MarketNotTrading`], [`Error::InvalidTimeInForce`], [`Error::ZeroSize`],
		///   ...). Nothing changes.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::place_conditional(u32::from(oco.is_some())))]
		pub fn place_conditional(
			origin: OriginFor<T>,
			market: MarketId,
			spec: ConditionalSpec,
			oco: Option<ConditionalSpec>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_place_conditional(&who, market, spec, oco).map(|_| ())
		}

		/// Cancel one of the signer's conditional orders (waiting, or fired and not yet
		/// placed; the other order of its OCO pair stays, unpaired) or TWAP orders (what its
		/// slices filled stays).
		///
		/// * Who: the order's owner.
		/// * Events: [`Event::ConditionalEnded`] (`Cancelled`), or [`Event::TwapEnded`]
		///   (`cancelled`).
		/// * Errors: [`Error::ConditionalNotFound`]. Nothing changes.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::cancel_conditional())]
		pub fn cancel_conditional(origin: OriginFor<T>, id: u64) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_conditional(&who, id)
		}

		/// Place fired conditional orders (oldest first), then fire crossed ones in `market`,
		/// then place due TWAP slices (any market), at most `max` placements in all (the work
		/// `on_idle` does when a block leaves room):
		/// for keepers under full blocks, as `deleverage` is. Permissionless; the caller pays
		/// for the work.
		///
		/// * Who: any signed account.
		/// * Weight: a scan of `market` and `max` fired orders at the costliest placement,
		///   declared; what was not used is refunded.
		/// * Events: as `on_idle`: [`Event::ConditionalFired`], [`Event::ConditionalExecuted`]
		///   or [`Event::ConditionalEnded`], and each placed order's own events.
		/// * Errors: [`Error::InvalidTriggerCount`] (`max` of zero or above
		///   `MaxTriggersPerCall`). Nothing changes.
		#[pallet::call_index(10)]
		#[pallet::weight(Pallet::<T>::execute_triggered_weight(*max))]
		pub fn execute_triggered(
			origin: OriginFor<T>,
			market: MarketId,
			max: u32,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			ensure!(
				max >= 1 && max <= T::MaxTriggersPerCall::get(),
				Error::<T>::InvalidTriggerCount
			);
			let limit = Self::execute_triggered_weight(max);
			let run = Self::run_triggers(limit, max, Some(market));
			let (_, twaps) =
				Self::run_twaps(limit.saturating_sub(run.weight), max.saturating_sub(run.executed));
			Ok(Some(run.weight.saturating_add(twaps)).into())
		}

		/// Start a TWAP order in `market`: `spec.quantity` traded in `duration / interval`
		/// slices, the first at once (in this block's idle time, or the next block's with
		/// room) and one every `interval` after, each
		/// an immediate-or-cancel limit order at `spec.limit_price` for the signer's
		/// sub-account `spec.sub`, through the same checks and margin check as any order.
		///
		/// * Who: any signed account, for its own sub-account.
		/// * Changes: the order, its due entry, the signer's list (shared with conditional
		///   orders and their cap).
		/// * Events: [`Event::TwapPlaced`]; later [`Event::TwapSliced`] per slice and
		///   [`Event::TwapEnded`].
		/// * Errors: [`Error::UnknownMarket`], [`Error::ZeroSlices`], [`Error::TooManySlices`],
		///   [`Error::TwapIntervalTooShort`], [`Error::TwapSliceTooSmall`],
		///   [`Error::TooManyConditionals`], [`Error::SubAccountOutOfRange`], and the order's
		///   own validation ([`Error::PriceOffTick`], [`Error::SizeOffLot`],
		///   [`Error::MarketNotTrading`], ...). Nothing changes.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::place_twap())]
		pub fn place_twap(
			origin: OriginFor<T>,
			market: MarketId,
			spec: TwapSpec,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_place_twap(&who, market, spec).map(|_| ())
		}
	}
}

use polkadot_sdk::{sp_arithmetic::FixedU128, sp_runtime::traits::UniqueSaturatedInto};

impl<T: Config> BookPrices for Pallet<T> {
	fn mid(market: MarketId) -> Option<FixedU128> {
		Self::mid_price(market)
	}

	fn instrument(market: MarketId) -> Option<clearinghouse_primitives::trading::Instrument> {
		Some(Markets::<T>::get(market)?.config.kind.instrument())
	}

	/// A book no call changed in this block still has the mid the previous block ended with.
	fn previous_mid(market: MarketId) -> Option<Option<FixedU128>> {
		let m = Markets::<T>::get(market)?;
		let block: u32 = frame_system::Pallet::<T>::block_number().unique_saturated_into();
		(m.changed_in != block).then(|| Self::mid_of(&m))
	}

	fn option_markets(underlying: OracleKey) -> alloc::vec::Vec<MarketId> {
		Self::option_chain(underlying)
			.into_iter()
			.flat_map(|(_, chain)| chain.into_iter().map(|e| e.market))
			.collect()
	}
}

impl<T: Config> clearinghouse_primitives::trading::LiquidationBook<T::AccountId> for Pallet<T> {
	fn cancel_all(
		account: &MarginAccount<T::AccountId>,
		market: MarketId,
	) -> polkadot_sdk::sp_runtime::DispatchResult {
		if Markets::<T>::contains_key(market) {
			Self::do_cancel_all(account, market)?;
		}
		Ok(())
	}

	fn close_ioc(
		account: &MarginAccount<T::AccountId>,
		market: MarketId,
		side: TradeSide,
		size: u128,
		limit: FixedU128,
	) -> polkadot_sdk::sp_runtime::DispatchResult {
		Self::do_close_ioc(account, market, side, size, limit)
	}

	fn fit_reduce_only(
		account: &MarginAccount<T::AccountId>,
		market: MarketId,
	) -> polkadot_sdk::sp_runtime::DispatchResult {
		Self::do_fit_reduce_only(account, market)
	}

	fn market_settled(market: MarketId) {
		Markets::<T>::mutate(market, |m| {
			if let Some(m) = m {
				if m.config.status != MarketStatus::Settled {
					m.config.status = MarketStatus::Settled;
					Self::deposit_event(Event::MarketStatusChanged {
						market,
						status: MarketStatus::Settled,
					});
				}
			}
		});
	}
}
