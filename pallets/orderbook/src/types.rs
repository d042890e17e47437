//! Plain types of the order-book pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{
		traits::Get, BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound,
		PartialEqNoBound,
	},
	sp_arithmetic::{FixedU128, Permill},
};
use scale_info::TypeInfo;

pub use clearinghouse_matching::{
	OrderId, Price, Qty, RemovalReason, SelfTradePrevention, Side, TimeInForce,
};

pub use clearinghouse_primitives::trading::OptionRight;

use crate::{Moment, OracleKey};

/// What a market trades (the margin engine settles each kind).
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
pub enum MarketKind {
	/// A perpetual future with funding.
	Perpetual,
	/// A dated future, cash-settled at `expiry` (ms).
	Future { expiry: Moment },
	/// A European option, cash-settled at `expiry` (ms).
	Option { right: OptionRight, strike: FixedU128, expiry: Moment },
}

impl MarketKind {
	/// When a dated market (a future or an option) expires (ms); `None` for a perpetual.
	pub fn expiry(&self) -> Option<Moment> {
		self.instrument().expiry()
	}

	/// The instrument the margin engine values and settles.
	pub fn instrument(&self) -> clearinghouse_primitives::trading::Instrument {
		use clearinghouse_primitives::trading::Instrument;
		match *self {
			MarketKind::Perpetual => Instrument::Perpetual,
			MarketKind::Future { expiry } => Instrument::Future { expiry },
			MarketKind::Option { right, strike, expiry } => {
				Instrument::Option { right, strike, expiry }
			},
		}
	}
}

/// Whether and how a market trades.
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
pub enum MarketStatus {
	/// Every order type.
	Active,
	/// Only reduce-only orders (and cancels).
	ReduceOnly,
	/// No orders; cancels only.
	Halted,
	/// Expired and settled; cancels only.
	Settled,
}

/// The parameters governance may change on a listed market (tick and lot sizes are fixed at
/// listing: resting orders are stored in ticks and lots).
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
pub struct MarketParams {
	/// The smallest order size, in size units (a multiple of the lot size).
	pub min_size: u128,
	/// Fee rate of the resting side of a trade, on the notional.
	pub maker_fee: Permill,
	/// Fee rate of the arriving side of a trade, on the notional.
	pub taker_fee: Permill,
	/// The most orders one margin account may have resting in the market.
	pub max_open_orders: u32,
}

/// A market, as governance lists it.
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
pub struct MarketConfig {
	/// The oracle key of the underlying.
	pub underlying: OracleKey,
	/// What is traded.
	pub kind: MarketKind,
	/// Prices are multiples of this.
	pub tick_size: FixedU128,
	/// Sizes are multiples of this (size units).
	pub lot_size: u128,
	/// What governance may change later.
	pub params: MarketParams,
	/// Whether and how it trades.
	pub status: MarketStatus,
}

/// One option of a chain ([`crate::OptionChains`]).
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
pub struct ChainEntry {
	/// The strike.
	pub strike: FixedU128,
	/// Call or put.
	pub right: OptionRight,
	/// Its market.
	pub market: crate::MarketId,
}

/// What every option of a chain listed at once shares (see `list_option_chain`).
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
pub struct ChainTemplate {
	/// Premiums are multiples of this (strikes too).
	pub tick_size: FixedU128,
	/// Sizes are multiples of this (size units).
	pub lot_size: u128,
	/// Minimum size, fees and open-order cap.
	pub params: MarketParams,
}

/// A market's state: its configuration, the next order id, and the prices of its levels
/// (best first). One storage value, so every order reads the market once.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(MaxLevels))]
pub struct Market<MaxLevels: Get<u32>> {
	/// The listing.
	pub config: MarketConfig,
	/// The sequence number of the next order (its id also carries its owner's tag: see
	/// [`crate::Pallet::order_id`]).
	pub next_sequence: u64,
	/// Bid prices, highest first.
	pub bids: BoundedVec<Price, MaxLevels>,
	/// Ask prices, lowest first.
	pub asks: BoundedVec<Price, MaxLevels>,
	/// The last block in which the book changed (saturated at `u32::MAX`): the first change
	/// in a block lists the market in [`crate::ChangedBooks`], so the next block reports its
	/// mid to the margin engine.
	pub changed_in: u32,
	/// The price of the market's last trade, in ticks (`None` before the first): what a
	/// conditional order on [`TriggerSource::LastTrade`] compares with. Kept here because
	/// every placement that trades writes the market anyway.
	pub last_trade: Option<Price>,
}

/// How an order is priced.
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
pub enum OrderType {
	/// A limit order at `price`.
	Limit { price: FixedU128 },
	/// A market order that trades no worse than `protection_price` (IOC or FOK only).
	Market { protection_price: FixedU128 },
}

/// An order as a trader submits it.
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
pub struct OrderRequest {
	/// Buy or sell.
	pub side: Side,
	/// Limit or market.
	pub order_type: OrderType,
	/// Quantity in size units (a multiple of the lot size, at least the minimum size).
	/// (Not `size`: Polkadot.js reserves that name on decoded structs.)
	pub quantity: u128,
	/// How long it may rest (market orders: IOC or FOK).
	pub time_in_force: TimeInForce,
	/// Only reduce the account's position.
	pub reduce_only: bool,
	/// The trader's own id for it, unique per account and market among recent orders.
	pub client_id: Option<u64>,
	/// What to do on meeting the account's own resting orders.
	pub self_trade: SelfTradePrevention,
}

/// Which order a cancel names.
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
pub enum OrderRef {
	/// By the chain's order id.
	Id(OrderId),
	/// By the trader's client id.
	ClientId(u64),
}

/// A resting order, as its owner's index records it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct OpenOrder {
	/// The chain's id.
	pub id: OrderId,
	/// The trader's id.
	pub client_id: Option<u64>,
	/// Buy or sell.
	pub side: Side,
	/// Its price in ticks.
	pub price: Price,
	/// What is left, in lots.
	pub remaining: Qty,
	/// Only reduces the position.
	pub reduce_only: bool,
	/// When it expires.
	pub expires_at: Option<Moment>,
}

/// One margin account's orders in one market: those resting, and the client ids of its most
/// recent orders (so a re-submitted order is refused even after the first one filled).
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	DefaultNoBound,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxOpen, MaxRecent))]
pub struct OrdersOfAccount<MaxOpen: Get<u32>, MaxRecent: Get<u32>> {
	/// Resting orders, oldest first.
	pub open: BoundedVec<OpenOrder, MaxOpen>,
	/// Client ids of the latest orders, oldest first (a ring: the oldest drops out).
	pub recent_client_ids: BoundedVec<u64, MaxRecent>,
}

impl<MaxOpen: Get<u32>, MaxRecent: Get<u32>> OrdersOfAccount<MaxOpen, MaxRecent> {
	/// Whether nothing is recorded (the storage entry can go).
	pub fn is_empty(&self) -> bool {
		self.open.is_empty() && self.recent_client_ids.is_empty()
	}

	/// Remember `client_id`, forgetting the oldest if full.
	pub fn remember(&mut self, client_id: u64) {
		if self.recent_client_ids.is_full() && !self.recent_client_ids.is_empty() {
			self.recent_client_ids.remove(0);
		}
		let _ = self.recent_client_ids.try_push(client_id);
	}
}

/// Why an order left the book (or never rested).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum CancelReason {
	/// Its owner cancelled it.
	User,
	/// Its good-till-time passed.
	Expired,
	/// Self-trade prevention.
	SelfTrade,
	/// The unfilled rest of an IOC (or market) order.
	ImmediateOrCancel,
	/// The taker reached the per-call maker bound while the book still crossed it.
	MatchLimit,
	/// A reduce-only order that its owner's position no longer has room for.
	ReduceOnly,
	/// Its level was the farthest from the touch on a side that holds `MaxLevels` levels
	/// when an order opened a better one.
	Evicted,
	/// Its market (a future or an option) expired: the sweep takes every resting order out.
	MarketExpired,
}

impl From<RemovalReason> for CancelReason {
	fn from(r: RemovalReason) -> Self {
		match r {
			RemovalReason::Expired => CancelReason::Expired,
			RemovalReason::SelfTrade => CancelReason::SelfTrade,
			RemovalReason::ReduceOnly => CancelReason::ReduceOnly,
		}
	}
}

/// One side of the book as the runtime API reports it: (price, total size) per level.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
pub struct BookDepth {
	/// Bids, best first.
	pub bids: alloc::vec::Vec<(FixedU128, u128)>,
	/// Asks, best first.
	pub asks: alloc::vec::Vec<(FixedU128, u128)>,
}

/// An open order as the runtime API reports it, in market units.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct OpenOrderView {
	/// The chain's id.
	pub id: OrderId,
	/// The trader's id.
	pub client_id: Option<u64>,
	/// Buy or sell.
	pub side: Side,
	/// The price.
	pub price: FixedU128,
	/// What is left, in size units.
	pub remaining: u128,
	/// Only reduces the position.
	pub reduce_only: bool,
	/// When it expires.
	pub expires_at: Option<Moment>,
}

/// The price a conditional order watches.
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
pub enum TriggerSource {
	/// The margin engine's mark (what positions are valued and liquidated at): the default
	/// of every venue, the hardest to push with one trade.
	Mark,
	/// The oracle's median for the underlying.
	Index,
	/// The book's last trade.
	LastTrade,
}

/// What a conditional order is for, which fixes the side of the price its trigger lies on.
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
pub enum ConditionalKind {
	/// Fires when the price moves against the order's side being already open: a sell stop
	/// when the price falls to the trigger, a buy stop when it rises to it.
	Stop,
	/// Fires when the price moves in favour: a sell when it rises to the trigger, a buy when
	/// it falls to it.
	TakeProfit,
}

/// Which way the watched price must cross the trigger.
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
pub enum Crossing {
	/// Fires when the price is at or above the trigger.
	Rises,
	/// Fires when the price is at or below the trigger.
	Falls,
}

impl ConditionalKind {
	/// The crossing an order of `side` fires on.
	pub fn crossing(self, side: Side) -> Crossing {
		match (self, side) {
			(ConditionalKind::Stop, Side::Buy) | (ConditionalKind::TakeProfit, Side::Sell) => {
				Crossing::Rises
			},
			(ConditionalKind::Stop, Side::Sell) | (ConditionalKind::TakeProfit, Side::Buy) => {
				Crossing::Falls
			},
		}
	}
}

/// A conditional order as a trader submits it: when `source` crosses `trigger_price` (the
/// way `kind` and the order's side say), `order` is placed like any order of the account.
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
pub struct ConditionalSpec {
	/// The sub-account whose order it is.
	pub sub: crate::SubAccountIndex,
	/// Stop or take-profit.
	pub kind: ConditionalKind,
	/// The price watched.
	pub source: TriggerSource,
	/// The trigger (a multiple of the market's tick size).
	pub trigger_price: FixedU128,
	/// The order placed when it fires (a market order with its protection price, or a limit
	/// order; optionally reduce-only).
	pub order: OrderRequest,
	/// When it lapses unfired (ms; `None`: never).
	pub expires_at: Option<Moment>,
}

/// A conditional order waiting for its trigger (or, once fired, for its turn).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Conditional {
	/// Its market.
	pub market: crate::MarketId,
	/// What the trader asked for.
	pub spec: ConditionalSpec,
	/// Where it sits in the trigger index: the block and extrinsic that placed it, big-endian
	/// (orders at one trigger price fire in the order they were placed).
	pub placed: [u8; 8],
	/// The other order of its one-cancels-other pair (same owner), by sequence number.
	pub oco: Option<u64>,
	/// Fired: in the queue of orders to place (no longer in the trigger index).
	pub fired: bool,
}

/// One owner's conditional orders: the next sequence number and, per live order, its
/// sequence number (what calls name it by), and the deposit they hold.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	DefaultNoBound,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(Max))]
pub struct OwnerConditionals<Max: Get<u32>, Ticket: Clone + PartialEq + Eq + core::fmt::Debug> {
	/// The sequence number the next order gets.
	pub next: u64,
	/// The live orders' sequence numbers with their markets and expiries, oldest first.
	pub live: BoundedVec<(u64, crate::MarketId, Option<Moment>), Max>,
	/// What the live orders hold of the owner's balance (`Config::Deposit`), none without.
	pub deposit: Option<Ticket>,
}

/// A conditional order as the runtime API reports it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ConditionalView {
	/// Its sequence number (what `cancel_conditional` names).
	pub id: u64,
	/// Its market.
	pub market: crate::MarketId,
	/// What the trader asked for.
	pub spec: ConditionalSpec,
	/// The other order of its pair.
	pub oco: Option<u64>,
	/// Fired and waiting for its turn to be placed.
	pub fired: bool,
}

/// Why a conditional order left without its order being placed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum ConditionalEnd {
	/// Its owner cancelled it.
	Cancelled,
	/// Its expiry passed before it fired.
	Expired,
	/// The other order of its pair fired.
	OcoFired,
	/// It fired, and its order was refused (the error is in the event).
	Refused,
}

/// A TWAP order as a trader submits it: `quantity` bought or sold in equal slices, one every
/// `interval` over `duration`, each an immediate-or-cancel limit order at `limit_price` (the
/// most a buy pays, the least a sell takes). What a slice does not fill is spread over the
/// slices after it; what the last leaves is reported.
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
pub struct TwapSpec {
	/// The sub-account whose order it is.
	pub sub: crate::SubAccountIndex,
	/// Buy or sell.
	pub side: Side,
	/// The whole size, in size units (a multiple of the lot size).
	pub quantity: u128,
	/// How long it runs (ms): `duration / interval` slices, the first at once.
	pub duration: Moment,
	/// The time between slices (ms), at least `MinTwapInterval`.
	pub interval: Moment,
	/// The worst price of every slice (on the tick).
	pub limit_price: FixedU128,
	/// Every slice only reduces the position.
	pub reduce_only: bool,
}

/// A running TWAP order.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Twap {
	/// Its market.
	pub market: crate::MarketId,
	/// What the trader asked for.
	pub spec: TwapSpec,
	/// What is still to trade (size units).
	pub remaining: u128,
	/// Slices still to place.
	pub slices_left: u32,
	/// When the next slice is due (ms).
	pub next_at: Moment,
	/// Slices refused in a row (see `twap::MAX_REFUSED_SLICES`).
	pub refused: u8,
}

/// A TWAP order as the runtime API reports it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct TwapView {
	/// Its id (what `cancel_conditional` names).
	pub id: u64,
	/// Its market.
	pub market: crate::MarketId,
	/// What the trader asked for.
	pub spec: TwapSpec,
	/// What is still to trade.
	pub remaining: u128,
	/// Slices still to place.
	pub slices_left: u32,
	/// When the next slice is due (ms).
	pub next_at: Moment,
}
