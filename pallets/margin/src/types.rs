//! Plain types of the margin engine.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{
		traits::{ConstU32, Get},
		BoundedVec, CloneNoBound, DebugNoBound, DefaultNoBound, EqNoBound, PartialEqNoBound,
	},
	sp_arithmetic::{traits::Zero, FixedI128, FixedU128, Permill},
};
use scale_info::TypeInfo;

use crate::{
	CollateralId, Instrument, MarketId, Moment, OracleKey, PriceSchedule, SettlementReason,
};

/// How a perpetual pays funding.
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
pub struct FundingParams {
	/// The premium is a rate per this period (ms), e.g. eight hours.
	pub period_ms: Moment,
	/// The premium `(mark − index) / index` is clamped to ±this per period.
	pub premium_cap: Permill,
	/// How often (ms) the premium is sampled and the index advanced.
	pub sample_interval_ms: Moment,
}

/// A market's risk parameters, set by governance (`risk_admin`).
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
pub struct RiskParams {
	/// The oracle key of the underlying (index price and its EMA).
	pub underlying: OracleKey,
	/// Decimals of the market's size unit (a size of `10^size_decimals` is one whole unit).
	pub size_decimals: u8,
	/// Initial margin fraction at low open interest.
	pub initial: Permill,
	/// Maintenance margin fraction (below `initial`).
	pub maintenance: Permill,
	/// The initial fraction at `open_interest_full` (linear in between); `initial` for none.
	pub initial_at_full: Permill,
	/// Open interest (size units, one side) at which `initial_at_full` applies.
	pub open_interest_full: u128,
	/// Funding, for perpetuals.
	pub funding: Option<FundingParams>,
}

/// A market's running state.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct MarketState {
	/// Cumulative funding per whole size unit (whole settlement units; longs pay when it rises).
	pub funding_index: FixedI128,
	/// When the index last advanced (ms).
	pub funding_at: Moment,
	/// Σ long sizes (= Σ short sizes), in size units.
	pub open_interest: u128,
	/// A dated market's settlement price (of the underlying) once fixed: from then on a
	/// future's positions are marked at it and an option's at its intrinsic value there (kept
	/// here, beside what every margin check reads of the market anyway).
	pub settlement_price: Option<FixedU128>,
	/// What the market trades, as the book listed it (copied when its risk parameters are
	/// first set, so a margin check needs no read of the book to value it).
	pub instrument: Instrument,
	/// The book's mid as the previous block ended (`None` for a side without orders): the
	/// mid the mark takes. The book reports it when a block begins after one that changed
	/// the book (see `OrderMarginCheck::on_mid`), so an order placed in this block does not
	/// move the mark this block's checks see: to move it, a manipulator's quotes must stand
	/// through a block's end, where anyone may trade against them.
	pub mid: Option<FixedU128>,
}

/// Everything a margin check reads of one market, in one storage value (one read per position).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct MarketRecord {
	/// Its risk parameters (governance).
	pub risk: RiskParams,
	/// Its running state (funding, open interest, settlement, book mid).
	pub state: MarketState,
	/// For a perpetual or future: its underlying's index reads (median and EMA) from the
	/// oracle's last change of them on, a copy the oracle keeps exact
	/// (`QuotesListener::quotes_changed`, in the call that changes them), so the mark needs no
	/// read of the oracle. Empty for an option (marked by its model on the oracle's reads).
	pub prices: PriceSchedule,
}

/// How options on one underlying are marked and margined, set by governance (`risk_admin`).
/// The short-option requirement per whole unit is `max(a·S − OTM, b·S) + mark` (see
/// `clearinghouse_risk::options`), `a` a fraction and `b` a floor. When the book lists an
/// option on the underlying, its market is configured from these (its [`RiskParams`] take
/// `size_decimals`, `initial` and `maintenance` as `a`, no funding); governance may then change
/// one market's fractions (say, to scale with open interest) like any market's.
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
pub struct OptionParams {
	/// The oracle key whose volatility feed is the implied vol options are marked at.
	pub vol_key: OracleKey,
	/// Decimals of listed option markets' size unit.
	pub size_decimals: u8,
	/// `a` of the initial requirement, a share of the spot.
	pub initial: Permill,
	/// `a` of the maintenance requirement (below `initial`).
	pub maintenance: Permill,
	/// The share of a long option's mark value that equity does not count.
	pub long_haircut: Permill,
	/// `b` of the initial requirement: a short option needs at least this share of the spot.
	pub initial_floor: Permill,
	/// `b` of the maintenance requirement (at most `initial_floor`).
	pub maintenance_floor: Permill,
}

impl OptionParams {
	/// Whether the parameters are coherent: `0 < maintenance < initial`, `0 < maintenance_floor
	/// ≤ initial_floor`, a haircut below 100%, decimals at most 38.
	pub fn is_valid(&self) -> bool {
		!self.maintenance.is_zero()
			&& self.maintenance < self.initial
			&& !self.maintenance_floor.is_zero()
			&& self.maintenance_floor <= self.initial_floor
			&& self.long_haircut < Permill::one()
			&& self.size_decimals <= clearinghouse_risk::units::MAX_DECIMALS
	}

	/// The risk parameters an option market on `underlying` is listed with.
	pub fn market_risk(&self, underlying: OracleKey) -> RiskParams {
		RiskParams {
			underlying,
			size_decimals: self.size_decimals,
			initial: self.initial,
			maintenance: self.maintenance,
			initial_at_full: self.initial,
			open_interest_full: 0,
			funding: None,
		}
	}
}

/// Everything a margin check reads of one account, in one storage value: its entries (its
/// positions and resting-order totals, sorted by market), whether the portfolio model margins
/// it, and the proven floor of its hidden balance (a copy the confidential pallet keeps in step
/// through `BandValuation::floor_changed`, so a check does not read that pallet).
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	DefaultNoBound,
)]
#[scale_info(skip_type_params(S))]
#[codec(mel_bound())]
pub struct AccountRecord<S: Get<u32>> {
	/// Its positions and resting-order totals, sorted by market (no empty entry).
	pub entries: BoundedVec<PositionEntry, S>,
	/// Margined by the portfolio (scenario) model (`set_portfolio_margin`).
	pub portfolio: bool,
	/// The proven floor of its hidden settlement balance (zero for a public account).
	pub floor: u128,
}

impl<S: Get<u32>> AccountRecord<S> {
	/// Nothing to keep: no entry, the standard model, no floor (the record is removed).
	pub fn is_empty(&self) -> bool {
		self.entries.is_empty() && !self.portfolio && self.floor == 0
	}

	/// The entries, owned.
	pub fn into_inner(self) -> alloc::vec::Vec<PositionEntry> {
		self.entries.into_inner()
	}
}

impl<S: Get<u32>> core::ops::Deref for AccountRecord<S> {
	type Target = BoundedVec<PositionEntry, S>;
	fn deref(&self) -> &Self::Target {
		&self.entries
	}
}

impl<S: Get<u32>> IntoIterator for AccountRecord<S> {
	type Item = PositionEntry;
	type IntoIter = alloc::vec::IntoIter<PositionEntry>;
	fn into_iter(self) -> Self::IntoIter {
		self.entries.into_inner().into_iter()
	}
}

/// One market's entry in an account: its position and its resting orders.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct PositionEntry {
	/// The market.
	pub market: MarketId,
	/// Signed quantity (long > 0), in the market's size units. (Not `size`: Polkadot.js
	/// reserves that name on decoded structs.)
	pub quantity: i128,
	/// Signed cost basis in settlement units (see `clearinghouse_risk::position`).
	pub cost: i128,
	/// The market's funding index when the position last settled funding.
	pub funding_index: FixedI128,
	/// Resting buy orders in the book (size units), as the order book last reported.
	pub resting_buy: u128,
	/// Resting sell orders in the book (size units).
	pub resting_sell: u128,
	/// The highest resting buy price (zero without buys): a buy above the mark is counted as
	/// losing `highest_buy − mark` on every resting buy unit (an upper bound of what they lose).
	pub highest_buy: FixedU128,
	/// The lowest resting sell price (zero without sells), counted the same way.
	pub lowest_sell: FixedU128,
}

impl PositionEntry {
	/// A fresh entry for `market` at funding index `index`.
	pub fn new(market: MarketId, index: FixedI128) -> Self {
		Self {
			market,
			quantity: 0,
			cost: 0,
			funding_index: index,
			resting_buy: 0,
			resting_sell: 0,
			highest_buy: FixedU128::zero(),
			lowest_sell: FixedU128::zero(),
		}
	}

	/// Whether the entry carries nothing (it can be dropped).
	pub fn is_empty(&self) -> bool {
		self.quantity == 0 && self.cost == 0 && self.resting_buy == 0 && self.resting_sell == 0
	}

	/// Record the order book's report of the resting orders.
	pub fn set_resting(&mut self, resting: clearinghouse_primitives::trading::RestingTotals) {
		self.resting_buy = resting.buy;
		self.resting_sell = resting.sell;
		self.highest_buy = resting.highest_buy;
		self.lowest_sell = resting.lowest_sell;
	}
}

/// One position as the runtime API reports it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct PositionView {
	/// The market.
	pub market: MarketId,
	/// Signed quantity (long > 0).
	pub quantity: i128,
	/// Signed cost basis.
	pub cost: i128,
	/// The mark price it is valued at.
	pub mark: FixedU128,
	/// Unrealised PnL at the mark, unsettled funding deducted.
	pub unrealized_pnl: i128,
	/// The mark at which the account reaches its maintenance requirement if this market alone
	/// moves (everything else, collateral prices and funding included, held still); `None` if
	/// no positive price does it, and for options (not linear in the price). An estimate for
	/// traders, not what liquidation uses.
	pub liquidation_price: Option<FixedU128>,
	/// What the position adds to equity: its unrealised PnL for a perpetual or future; for an
	/// option (whose premium was paid at the trade) its mark value, a long's after the
	/// governance haircut, a short's negative.
	pub equity: i128,
	/// Its initial requirement, its open orders at their worst case.
	pub initial: u128,
	/// Its maintenance requirement (what liquidation ranks positions by).
	pub maintenance: u128,
}

/// An account's margin health as the runtime API reports it (settlement units).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct AccountHealth {
	/// Collateral value + unrealised PnL − unsettled funding.
	pub equity: i128,
	/// Initial requirement, open orders at their worst case.
	pub initial: u128,
	/// Maintenance requirement.
	pub maintenance: u128,
	/// Equity above the initial requirement.
	pub free_collateral: i128,
	/// Whether equity is below maintenance.
	pub liquidatable: bool,
	/// Each position.
	pub positions: alloc::vec::Vec<PositionView>,
	/// Held collateral assets without a usable price (stale, no quorum, halted): counted as
	/// zero in `equity`.
	pub unpriced_collaterals: u32,
	/// Markets of the account without a mark price. When any, the figures are the ones
	/// liquidation judges by: resting orders there count for nothing and positions there as if
	/// they had lost their whole entry notional (and are not in `positions`).
	pub unpriced_markets: alloc::vec::Vec<MarketId>,
}

/// Liquidation parameters, set by governance.
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
pub struct LiquidationParams {
	/// Penalty on the closed notional, split between the keeper and insurance.
	pub penalty: Permill,
	/// A partial liquidation closes enough for equity to reach maintenance × (1 + this).
	pub target_buffer: Permill,
}

impl Default for LiquidationParams {
	fn default() -> Self {
		Self { penalty: Permill::from_percent(1), target_buffer: Permill::from_percent(50) }
	}
}

/// How a dated market's settlement price is taken, set by governance (see the `settlement`
/// module): the time-weighted average of the index over `window_ms` before expiry, once at
/// least `min_coverage` of that window had a fresh index.
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
pub struct SettlementParams {
	/// The averaging window before expiry (ms): 1 minute to 1 day.
	pub window_ms: u64,
	/// The share of the window that must be covered by fresh index samples: 10% to 100%.
	pub min_coverage: Permill,
}

impl SettlementParams {
	/// The shortest window governance may set (1 minute).
	pub const MIN_WINDOW_MS: u64 = 60_000;
	/// The longest window governance may set (1 day).
	pub const MAX_WINDOW_MS: u64 = 86_400_000;

	/// Whether the parameters are inside their documented bounds.
	pub fn is_valid(&self) -> bool {
		(Self::MIN_WINDOW_MS..=Self::MAX_WINDOW_MS).contains(&self.window_ms)
			&& self.min_coverage >= Permill::from_percent(10)
	}

	/// The covered time a settlement price needs (ms).
	pub fn needed_ms(&self) -> u64 {
		self.min_coverage.mul_ceil(self.window_ms)
	}
}

impl Default for SettlementParams {
	/// Deribit's 30 minutes, at least half of it with a fresh index.
	fn default() -> Self {
		Self { window_ms: 30 * 60_000, min_coverage: Permill::from_percent(50) }
	}
}

/// A dated market's settlement: its expiry, the running average of the index samples, and the
/// settlement price once fixed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct SettlementState {
	/// When the market expires (ms), as listed in the book.
	pub expiry: Moment,
	/// Σ price (inner) × credited ms (see `clearinghouse_risk::settlement::Twap`).
	pub weighted: u128,
	/// Σ credited ms.
	pub covered_ms: u64,
	/// The last fresh sample not yet credited: time (ms) and price.
	pub last: Option<(Moment, FixedU128)>,
	/// Whether expiry came with too little coverage (`SettlementDelayed` was emitted).
	pub delayed: bool,
	/// The settlement price, once fixed.
	pub price: Option<FixedU128>,
	/// Whether every position has been settled at that price (`MarketSettled`).
	pub settled: bool,
}

impl SettlementState {
	/// A market expiring at `expiry`, nothing sampled yet.
	pub fn new(expiry: Moment) -> Self {
		Self {
			expiry,
			weighted: 0,
			covered_ms: 0,
			last: None,
			delayed: false,
			price: None,
			settled: false,
		}
	}

	/// The running average as the risk crate computes it.
	pub fn twap(&self) -> clearinghouse_risk::settlement::Twap {
		clearinghouse_risk::settlement::Twap {
			weighted: self.weighted,
			covered_ms: self.covered_ms,
			last: self.last,
		}
	}

	/// Take the running average back from the risk crate.
	pub fn set_twap(&mut self, twap: clearinghouse_risk::settlement::Twap) {
		self.weighted = twap.weighted;
		self.covered_ms = twap.covered_ms;
		self.last = twap.last;
	}
}

/// A market's auto-deleveraging in progress (see the `adl` module).
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(MaxCandidates))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct AdlState<AccountId: Clone + PartialEq + core::fmt::Debug, MaxCandidates: Get<u32>> {
	/// The insurance account's inventory to hand to the opposite side (long > 0).
	pub quantity: i128,
	/// What it cost at the bankruptcy prices (settlement units): it is handed on at this
	/// cost per size, so the fund ends flat.
	pub cost: u128,
	/// Whether the current round is still ranking counterparties (else it trades with them).
	pub scanning: bool,
	/// Where the scan resumes (the storage key of the last account visited).
	pub cursor: Option<BoundedVec<u8, ConstU32<256>>>,
	/// The round's best counterparties, highest score first.
	pub candidates: BoundedVec<(AccountId, FixedU128), MaxCandidates>,
	/// Whether the current round has traded anything: a round whose candidates could take
	/// nothing ends the deleveraging instead of ranking the same accounts again.
	pub progressed: bool,
}

/// One option market as the runtime API reports it: its terms, the inputs of its mark, the
/// mark and its Greeks per whole unit, what the book implies, and its open interest.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct OptionQuote {
	/// The market.
	pub market: MarketId,
	/// The underlying's oracle key.
	pub underlying: OracleKey,
	/// Call or put.
	pub right: crate::OptionRight,
	/// The strike.
	pub strike: FixedU128,
	/// When it expires (ms).
	pub expiry: Moment,
	/// The underlying's index; once the settlement price is fixed, that price.
	pub spot: FixedU128,
	/// The implied vol it is marked at (the vol key's feed); zero once settled.
	pub vol: FixedU128,
	/// The mark per whole unit: the model price, or the payoff once the price is fixed.
	pub mark: FixedU128,
	/// ∂mark/∂spot.
	pub delta: FixedI128,
	/// ∂²mark/∂spot².
	pub gamma: FixedI128,
	/// ∂mark/∂vol, per 1.00 of vol.
	pub vega: FixedI128,
	/// ∂mark/∂t, per year.
	pub theta: FixedI128,
	/// The book's mid price, if it has both sides.
	pub book_mid: Option<FixedU128>,
	/// The vol at which the model gives the book's mid, if any does.
	pub book_vol: Option<FixedU128>,
	/// Open interest (size units, one side).
	pub open_interest: u128,
	/// Whether the settlement price is fixed (the mark is final).
	pub fixed: bool,
}

/// One option position with its Greeks, scaled to its size (whole units × per-unit Greeks).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct OptionPositionView {
	/// The market.
	pub market: MarketId,
	/// Signed quantity (long > 0), in size units.
	pub quantity: i128,
	/// The premium paid (positive) or received (negative) for it, as its cost basis.
	pub premium: i128,
	/// The market's quote (per whole unit).
	pub quote: OptionQuote,
	/// Position delta, in whole units of the underlying.
	pub delta: FixedI128,
	/// Position gamma.
	pub gamma: FixedI128,
	/// Position vega (settlement units per 1.00 of vol).
	pub vega: FixedI128,
	/// Position theta (settlement units per year).
	pub theta: FixedI128,
}

/// An account's aggregate Greeks on one underlying: its options' plus its perpetuals' and
/// futures' delta (one per whole unit; none once a future's price is fixed).
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
pub struct UnderlyingGreeks {
	/// The underlying.
	pub underlying: OracleKey,
	/// Σ delta, whole units of the underlying.
	pub delta: FixedI128,
	/// Σ gamma.
	pub gamma: FixedI128,
	/// Σ vega.
	pub vega: FixedI128,
	/// Σ theta.
	pub theta: FixedI128,
}

/// Portfolio-margin parameters, set by governance (see `clearinghouse_risk::scenario` for the
/// model and [`clearinghouse_risk::scenario::ModelParams::check`] for every bound).
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct PortfolioParams {
	/// The largest ordinary price move (at most 50%).
	pub price_range: Permill,
	/// Ordinary price moves from −range to +range (1 to 31).
	pub price_steps: u32,
	/// Relative vol rise at 30 days to expiry.
	pub vol_up: Permill,
	/// Relative vol fall at 30 days to expiry (below 100%).
	pub vol_down: Permill,
	/// `p` of the shock scaling `(30 days / T)^p`.
	pub vol_scaling: Permill,
	/// Extreme moves at this multiple of the range (0: none).
	pub extreme_multiple: u8,
	/// The share of an extreme scenario's loss that counts.
	pub extreme_fraction: Permill,
	/// The margin period of risk options decay over (ms, at most a week).
	pub decay_ms: u64,
	/// Per short option unit, this share of the spot (at most 10%).
	pub short_option_minimum: Permill,
	/// Concentration rate on notional × share of open interest.
	pub concentration: Permill,
	/// `MM = mm_ratio × IM` (strictly between 0 and 100%).
	pub mm_ratio: Permill,
	/// Correlation credits between underlyings whose net deltas offset (each at most 50%).
	pub credits: BoundedVec<(OracleKey, OracleKey, Permill), ConstU32<16>>,
}

impl PortfolioParams {
	/// The risk crate's model parameters.
	pub fn model(&self) -> clearinghouse_risk::scenario::ModelParams {
		clearinghouse_risk::scenario::ModelParams {
			price_range: self.price_range,
			price_steps: self.price_steps,
			vol_up: self.vol_up,
			vol_down: self.vol_down,
			vol_scaling: self.vol_scaling,
			extreme_multiple: self.extreme_multiple,
			extreme_fraction: self.extreme_fraction,
			decay_ms: self.decay_ms,
			short_option_minimum: self.short_option_minimum,
			concentration: self.concentration,
			mm_ratio: self.mm_ratio,
		}
	}

	/// `model` with `credits`.
	pub fn from_model(
		model: clearinghouse_risk::scenario::ModelParams,
		credits: BoundedVec<(OracleKey, OracleKey, Permill), ConstU32<16>>,
	) -> Self {
		Self {
			price_range: model.price_range,
			price_steps: model.price_steps,
			vol_up: model.vol_up,
			vol_down: model.vol_down,
			vol_scaling: model.vol_scaling,
			extreme_multiple: model.extreme_multiple,
			extreme_fraction: model.extreme_fraction,
			decay_ms: model.decay_ms,
			short_option_minimum: model.short_option_minimum,
			concentration: model.concentration,
			mm_ratio: model.mm_ratio,
			credits,
		}
	}
}

/// One scenario of the portfolio grid, as the runtime API reports it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ScenarioView {
	/// The price move, parts per million of the spot.
	pub price_move: i32,
	/// Whether the implied vol is shocked up (else down).
	pub vol_up: bool,
	/// The share of the scenario's loss that counts.
	pub weight: Permill,
}

/// One underlying's row of a risk array: the PnL of every scenario and what its requirement
/// is made of (settlement units).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct UnderlyingRiskView {
	/// The underlying.
	pub underlying: OracleKey,
	/// The PnL of each scenario, in the grid's order.
	pub pnl: alloc::vec::Vec<i128>,
	/// The scenario with the largest weighted loss.
	pub worst: Option<u16>,
	/// That loss.
	pub scan_loss: u128,
	/// The short-option minimum.
	pub short_option_minimum: u128,
	/// The concentration add-on.
	pub concentration: u128,
	/// Net delta, whole units of the underlying.
	pub delta: FixedI128,
	/// Scan loss plus the add-ons.
	pub requirement: u128,
}

/// An account's portfolio risk array with the standard model's figures beside it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct RiskArrayView {
	/// Whether the account is margined by the portfolio model.
	pub portfolio_margined: bool,
	/// The grid.
	pub scenarios: alloc::vec::Vec<ScenarioView>,
	/// Per underlying held.
	pub underlyings: alloc::vec::Vec<UnderlyingRiskView>,
	/// Correlation credits given: the pair and the amount.
	pub credits: alloc::vec::Vec<(OracleKey, OracleKey, u128)>,
	/// The portfolio model's initial requirement of the positions (orders not counted).
	pub initial: u128,
	/// Its maintenance requirement.
	pub maintenance: u128,
	/// The standard model's initial requirement of the same account (orders counted).
	pub standard_initial: u128,
	/// The standard model's maintenance requirement.
	pub standard_maintenance: u128,
	/// Markets left out for want of a price.
	pub unpriced_markets: alloc::vec::Vec<MarketId>,
}

/// What one side of a fill moves in cash (settlement units, signed as the account pays the
/// clearing account): the funding it owed up to the fill, then the premium (an option) or the
/// realised loss (a perpetual or future; a profit is negative).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct FillCash {
	/// Funding owed up to the fill.
	pub funding: i128,
	/// The premium paid or the realised loss.
	pub paid: i128,
	/// Why `paid` moves.
	pub reason: SettlementReason,
	/// The realised PnL, as the position event reports it.
	pub realized: i128,
}

/// A hypothetical trade for [`crate::Pallet::simulate`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct SimulatedTrade {
	/// The market.
	pub market: MarketId,
	/// Signed quantity in the market's size units (a buy > 0).
	pub quantity: i128,
	/// The price it fills at; `None`: the mark.
	pub price: Option<FixedU128>,
}

/// A hypothetical deposit (a withdrawal when negative) for [`crate::Pallet::simulate`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct SimulatedDeposit {
	/// The collateral.
	pub collateral: CollateralId,
	/// Signed amount in the collateral's smallest unit.
	pub amount: i128,
}

/// At most this many trades, and this many deposits, in one simulation.
pub const MAX_SIMULATED_TRADES: u32 = 64;
/// See [`MAX_SIMULATED_TRADES`].
pub const MAX_SIMULATED_DEPOSITS: u32 = 16;

/// Why [`crate::Pallet::simulate`] could not run.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum SimulationError {
	/// More than [`MAX_SIMULATED_TRADES`] trades.
	TooManyTrades,
	/// More than [`MAX_SIMULATED_DEPOSITS`] deposits.
	TooManyDeposits,
	/// No market is configured under this id.
	UnknownMarket(MarketId),
	/// The market's settlement price is fixed: it no longer trades.
	MarketSettled(MarketId),
	/// A trade of quantity zero.
	ZeroQuantity(MarketId),
	/// A trade without a price in a market without a mark.
	NoPrice(MarketId),
	/// The trades would open more positions than an account may hold.
	TooManyPositions,
	/// No settlement asset has been chosen.
	NoSettlementAsset,
	/// The ledger refused the deposits (its error: an unknown collateral, a withdrawal of
	/// more than the balance, more distinct assets than an account may hold).
	Collateral(polkadot_sdk::sp_runtime::DispatchError),
	/// The valuation failed (its error: an overflow, a market without risk parameters).
	Valuation(polkadot_sdk::sp_runtime::DispatchError),
}

/// An account's margin figures (settlement units).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct HealthFigures {
	/// Collateral value + unrealised PnL − unsettled funding.
	pub equity: i128,
	/// Initial requirement, open orders at their worst case.
	pub initial: u128,
	/// Maintenance requirement.
	pub maintenance: u128,
	/// Equity above the initial requirement.
	pub free_collateral: i128,
	/// Whether equity is below maintenance.
	pub liquidatable: bool,
}

impl From<clearinghouse_risk::margin::Health> for HealthFigures {
	fn from(h: clearinghouse_risk::margin::Health) -> Self {
		Self {
			equity: h.equity,
			initial: h.initial,
			maintenance: h.maintenance,
			free_collateral: h.free_collateral(),
			liquidatable: h.is_liquidatable(),
		}
	}
}

/// What an account would look like after hypothetical trades and deposits (nothing changes):
/// Deribit's portfolio-margin simulator.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct Simulation {
	/// Whether the account is margined by the portfolio model (`after` is by that model).
	pub portfolio_margined: bool,
	/// The account's figures now, by its own model.
	pub before: HealthFigures,
	/// After the trades and deposits, by its own model.
	pub after: HealthFigures,
	/// After, by the standard model.
	pub standard: HealthFigures,
	/// After, by the portfolio model (`None` without one): what opting in would give.
	pub portfolio: Option<HealthFigures>,
	/// Settlement cash the trades move into the account (negative: out of it): premiums,
	/// realised PnL and the funding the touched positions owed. Fees are the order book's and
	/// not counted.
	pub cash: i128,
	/// The positions after, by the account's own model.
	pub positions: alloc::vec::Vec<PositionView>,
	/// The portfolio risk array after (`None` without a portfolio model).
	pub risk_array: Option<RiskArrayView>,
	/// Markets held after without a mark price: when any, the figures are liquidation's
	/// (see [`AccountHealth::unpriced_markets`]).
	pub unpriced_markets: alloc::vec::Vec<MarketId>,
	/// Collateral assets held after without a usable price (counted as zero).
	pub unpriced_collaterals: u32,
}
