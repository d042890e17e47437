//! Trading: what the order book asks of the margin engine before an order rests or trades, and
//! what it tells it when one does.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	sp_arithmetic::{FixedU128, Permill},
	sp_runtime::{DispatchError, DispatchResult},
};
use scale_info::TypeInfo;

use crate::collateral::MarginAccount;

/// A market's identifier (assigned in order of listing, never reused).
pub type MarketId = u32;

/// Which way an order or trade goes, as the margin engine sees it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum TradeSide {
	/// Increases a long / reduces a short.
	Buy,
	/// Increases a short / reduces a long.
	Sell,
}

/// An order about to rest or trade, for the margin check: its worst case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OrderIntent {
	/// The market.
	pub market: MarketId,
	/// Buy or sell.
	pub side: TradeSide,
	/// The size, in the market's size units.
	pub size: u128,
	/// The worst price it can trade at (its limit or protection price).
	pub price: FixedU128,
	/// Whether it may only reduce the position.
	pub reduce_only: bool,
}

/// An account's resting orders in one market, as the order book reports them to the margin
/// engine: sizes per side and each side's worst price. The engine counts them at their worst
/// case: all buys (or all sells) fill, each side at its worst price.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RestingTotals {
	/// Σ resting buy sizes (size units).
	pub buy: u128,
	/// Σ resting sell sizes (size units).
	pub sell: u128,
	/// The highest resting buy price; zero without buys.
	pub highest_buy: FixedU128,
	/// The lowest resting sell price; zero without sells.
	pub lowest_sell: FixedU128,
}

impl RestingTotals {
	/// Whether no order rests.
	pub fn is_empty(&self) -> bool {
		self.buy == 0 && self.sell == 0
	}
}

/// One trade, as the order book reports it to the margin engine (in the same transaction).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TradeFill<AccountId> {
	/// The market.
	pub market: MarketId,
	/// The account whose order arrived and traded.
	pub taker: MarginAccount<AccountId>,
	/// The account whose resting order traded.
	pub maker: MarginAccount<AccountId>,
	/// The taker's side (the maker took the other).
	pub taker_side: TradeSide,
	/// The trade price (the resting order's).
	pub price: FixedU128,
	/// The traded size, in the market's size units.
	pub size: u128,
	/// The taker's fee rate on the notional.
	pub taker_fee: Permill,
	/// The maker's fee rate on the notional.
	pub maker_fee: Permill,
}

/// The margin engine's view, consulted by the order book.
pub trait OrderMarginCheck<AccountId>: crate::collateral::CheckWeight<AccountId> {
	/// Whether `account` may place `order` (counting its open orders at their worst case).
	/// Returns what the check cost beyond the caller's benchmark of one valuation (an account
	/// of as many perpetuals): the surcharge for the kind of account it valued (at most
	/// `CheckWeight::check_weight_surcharge`) and any second valuation (at most
	/// [`Self::revaluation_weight`] of its positions). The caller declares both at their most.
	fn ensure_can_place(
		account: &MarginAccount<AccountId>,
		order: &OrderIntent,
	) -> Result<polkadot_sdk::sp_runtime::Weight, DispatchError>;

	/// What [`Self::ensure_batch`] compares a batch's outcome with: `account` as it stands
	/// before the batch's placements.
	type Batch;

	/// Remember `account` as it stands now, before a batch of placements that is checked as a
	/// whole once they are matched, rested and recorded (a `bulk` call's placements).
	fn begin_batch(account: &MarginAccount<AccountId>) -> Self::Batch;

	/// Whether `account` may keep what `orders` did since `before` (they traded, rested, and
	/// their resting orders were reported by [`Self::on_resting_changed`]): one check of the
	/// outcome instead of one per order. `released`: the placements took some of the
	/// account's own earlier orders out of the book (self-trade prevention, expiry, eviction,
	/// a reduce-only order refitted), which `before` still counts. An error fails the batch
	/// (the caller's storage layer undoes it).
	/// Returns what the check cost beyond the caller's benchmark of one valuation (as
	/// [`Self::ensure_can_place`]).
	fn ensure_batch(
		account: &MarginAccount<AccountId>,
		before: Self::Batch,
		orders: &[OrderIntent],
		released: bool,
	) -> Result<polkadot_sdk::sp_runtime::Weight, DispatchError>;

	/// What a check ([`Self::ensure_can_place`], [`Self::ensure_batch`]) may cost beyond one
	/// valuation of an account of `positions` positions: where the order or the batch falls
	/// short of the initial requirement, the account without it is valued too. Declared by
	/// the caller; what was spent is reported by the check.
	fn revaluation_weight(_positions: u32) -> polkadot_sdk::sp_runtime::Weight {
		polkadot_sdk::sp_runtime::Weight::zero()
	}

	/// `account`'s signed position in `market`, in size units (for reduce-only orders).
	fn position(account: &MarginAccount<AccountId>, market: MarketId) -> i128;

	/// The resting orders of `account` in `market` as the margin engine last recorded them
	/// (for the cross-pallet invariant: they must equal the book's).
	fn resting(account: &MarginAccount<AccountId>, market: MarketId) -> RestingTotals;

	/// `account`'s resting orders in `market` are now `resting`; the margin engine counts them
	/// at their worst case from now on. Called whenever they change (placed, filled,
	/// cancelled, expired). An error fails the change.
	fn on_resting_changed(
		account: &MarginAccount<AccountId>,
		market: MarketId,
		resting: RestingTotals,
	) -> DispatchResult;

	/// `market`'s book mid as the previous block ended (`None`: a side without orders).
	/// Reported when a block begins, for every book the previous block changed; the margin
	/// engine marks at it until the next report.
	fn on_mid(_market: MarketId, _mid: Option<FixedU128>) {}

	/// `market`'s mark price and its underlying's index (oracle median) at this instant, as a
	/// margin check would read them (`None` where there is none: no quorum, a tripped
	/// breaker, an unknown market). What conditional orders trigger on. One read of the
	/// market's record.
	fn trigger_prices(_market: MarketId) -> TriggerPrices {
		TriggerPrices::default()
	}
}

/// The prices a conditional order may trigger on, besides the book's own last trade.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TriggerPrices {
	/// The mark: what positions are valued at.
	pub mark: Option<FixedU128>,
	/// The index: the oracle's median for the underlying.
	pub index: Option<FixedU128>,
}

/// No margin engine: every order passes and nobody holds a position (so reduce-only orders
/// cannot be placed). For tests and for a chain without the margin pallet.
impl<AccountId> OrderMarginCheck<AccountId> for () {
	fn ensure_can_place(
		_: &MarginAccount<AccountId>,
		_: &OrderIntent,
	) -> Result<polkadot_sdk::sp_runtime::Weight, DispatchError> {
		Ok(polkadot_sdk::sp_runtime::Weight::zero())
	}
	type Batch = ();
	fn begin_batch(_: &MarginAccount<AccountId>) {}
	fn ensure_batch(
		_: &MarginAccount<AccountId>,
		_: (),
		_: &[OrderIntent],
		_: bool,
	) -> Result<polkadot_sdk::sp_runtime::Weight, DispatchError> {
		Ok(polkadot_sdk::sp_runtime::Weight::zero())
	}
	fn position(_: &MarginAccount<AccountId>, _: MarketId) -> i128 {
		0
	}
	fn resting(_: &MarginAccount<AccountId>, _: MarketId) -> RestingTotals {
		RestingTotals::default()
	}
	fn on_resting_changed(
		_: &MarginAccount<AccountId>,
		_: MarketId,
		_: RestingTotals,
	) -> DispatchResult {
		Ok(())
	}
}

/// Call or put.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum OptionRight {
	/// The right to buy at the strike.
	Call,
	/// The right to sell at the strike.
	Put,
}

/// What a market trades, as the margin engine values and settles it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Instrument {
	/// A perpetual future: funding, no expiry.
	#[default]
	Perpetual,
	/// A dated future, cash-settled at `expiry` (ms) against the settlement price.
	Future {
		/// When it expires (ms).
		expiry: crate::oracle::Moment,
	},
	/// A European option on the market's underlying, cash-settled at `expiry` (ms) at its
	/// intrinsic value against the settlement price.
	Option {
		/// Call or put.
		right: OptionRight,
		/// The strike, in settlement units per whole unit of the underlying.
		strike: FixedU128,
		/// When it expires (ms).
		expiry: crate::oracle::Moment,
	},
}

impl Instrument {
	/// When a dated instrument expires (ms); `None` for a perpetual.
	pub fn expiry(&self) -> Option<crate::oracle::Moment> {
		match self {
			Instrument::Perpetual => None,
			Instrument::Future { expiry } | Instrument::Option { expiry, .. } => Some(*expiry),
		}
	}
}

/// The order book's prices and listings, for the mark price and settlement.
pub trait BookPrices {
	/// The midpoint of the best bid and the best ask of `market`, if both exist.
	fn mid(market: MarketId) -> Option<FixedU128>;

	/// What `market` trades; `None` for an unknown market (the default: a book that lists only
	/// perpetuals may leave it so, and every market is then valued as a perpetual).
	fn instrument(_market: MarketId) -> Option<Instrument> {
		None
	}

	/// When `market` expires (ms) if it is dated; `None` for a perpetual or an unknown market.
	fn expiry(market: MarketId) -> Option<crate::oracle::Moment> {
		Self::instrument(market).and_then(|i| i.expiry())
	}

	/// The option markets listed on `underlying`, by expiry then as listed (for read-only
	/// views: it may read every chain of the underlying).
	fn option_markets(_underlying: crate::oracle::OracleKey) -> alloc::vec::Vec<MarketId> {
		alloc::vec::Vec::new()
	}

	/// For invariant checks: the mid `market`'s book had as the previous block ended (what the
	/// margin engine must hold once the block's hooks reported it), or `None` when that is not
	/// known from the book alone (it changed in this block; the default: a book that does not
	/// say).
	fn previous_mid(_market: MarketId) -> Option<Option<FixedU128>> {
		None
	}
}

/// No book.
impl BookPrices for () {
	fn mid(_: MarketId) -> Option<FixedU128> {
		None
	}
}

/// Told when the book lists a market, in the listing's transaction (the margin engine
/// configures what it can value by itself: an option from its underlying's option parameters).
pub trait MarketListing {
	/// `market`, on `underlying`, trading `instrument`, was just listed; an error undoes the
	/// listing.
	fn on_listed(
		market: MarketId,
		underlying: crate::oracle::OracleKey,
		instrument: Instrument,
	) -> DispatchResult;
}

/// Nothing to configure.
impl MarketListing for () {
	fn on_listed(_: MarketId, _: crate::oracle::OracleKey, _: Instrument) -> DispatchResult {
		Ok(())
	}
}

/// Turns fills into positions and charges fees (the margin engine).
pub trait FillHandler<AccountId> {
	/// Apply `fill`; an error fails the whole order.
	fn on_fill(fill: &TradeFill<AccountId>) -> Result<(), DispatchError>;
}

/// No margin engine: fills change nothing outside the book.
impl<AccountId> FillHandler<AccountId> for () {
	fn on_fill(_: &TradeFill<AccountId>) -> Result<(), DispatchError> {
		Ok(())
	}
}

/// What liquidation asks of the order book.
pub trait LiquidationBook<AccountId> {
	/// Cancel every resting order of `account` in `market`.
	fn cancel_all(account: &MarginAccount<AccountId>, market: MarketId) -> DispatchResult;

	/// Offer up to `size` of `account`'s position in `market` to the book as an immediate-or-
	/// cancel, reduce-only order on `side`, trading no worse than `limit` (rounded to the tick
	/// away from the account's favour, the size down to the lot). Fills reach the margin engine
	/// as any fill does; what does not fill is cancelled. A book that cannot take the order
	/// (halted, below the minimum size) is not an error: nothing trades.
	fn close_ioc(
		account: &MarginAccount<AccountId>,
		market: MarketId,
		side: TradeSide,
		size: u128,
		limit: FixedU128,
	) -> DispatchResult;

	/// `account`'s position in `market` changed outside the book (deleveraging): hold its
	/// reduce-only resting orders to the new position (shrink or cancel what no longer fits).
	fn fit_reduce_only(account: &MarginAccount<AccountId>, market: MarketId) -> DispatchResult;

	/// Every position of dated `market` has settled: the book marks it settled (cancels
	/// only, for good).
	fn market_settled(_market: MarketId) {}
}

/// No book: nothing to cancel, nothing trades (the backstop takes everything).
impl<AccountId> LiquidationBook<AccountId> for () {
	fn fit_reduce_only(_: &MarginAccount<AccountId>, _: MarketId) -> DispatchResult {
		Ok(())
	}
	fn cancel_all(_: &MarginAccount<AccountId>, _: MarketId) -> DispatchResult {
		Ok(())
	}
	fn close_ioc(
		_: &MarginAccount<AccountId>,
		_: MarketId,
		_: TradeSide,
		_: u128,
		_: FixedU128,
	) -> DispatchResult {
		Ok(())
	}
}
