//! Collateral: what the vaults ledger provides to the margin engine, liquidation and the
//! cross-chain deposit routes, and what it asks of the margin engine in return.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_runtime::{DispatchError, DispatchResult};
use scale_info::TypeInfo;

/// The index of a margin account under its owner: `0` is the cross-margin account, `1..` are
/// isolated-margin accounts that only see their own collateral.
pub type SubAccountIndex = u8;

/// The cross-margin sub-account every owner has.
pub const CROSS_MARGIN: SubAccountIndex = 0;

/// The registry's identifier of a collateral asset (assigned in order of registration and
/// never reused). Small and `Copy` so an account's whole ledger fits in one storage value.
pub type CollateralId = u16;

/// A margin account: an owner and one of its sub-accounts.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
// Serde without std too: genesis presets are built inside the wasm runtime.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct MarginAccount<AccountId> {
	/// The account that signs for it.
	pub owner: AccountId,
	/// Which of the owner's sub-accounts.
	pub sub: SubAccountIndex,
}

impl<AccountId> MarginAccount<AccountId> {
	/// `owner`'s sub-account `sub`.
	pub fn new(owner: AccountId, sub: SubAccountIndex) -> Self {
		Self { owner, sub }
	}

	/// `owner`'s cross-margin account.
	pub fn cross(owner: AccountId) -> Self {
		Self { owner, sub: CROSS_MARGIN }
	}
}

/// Why settlement-asset value moved between two margin accounts (carried in the event so a
/// trader's statement can be rebuilt from events alone).
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
pub enum SettlementReason {
	/// Realised profit or loss of a position.
	Pnl,
	/// A trading fee.
	Fee,
	/// A perpetual funding payment.
	Funding,
	/// A liquidation penalty or takeover.
	Liquidation,
	/// Coverage of bad debt, or auto-deleveraging.
	Insurance,
	/// An option's premium (at a trade) or payoff (at settlement), through the clearing
	/// account.
	Premium,
	/// A confidential account's hidden balance shielded into or unshielded out of the pool.
	Confidential,
}

/// An account's collateral valued in the settlement asset.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
pub struct CollateralValuation {
	/// Σ (1 − haircut) · balance · price, in the settlement asset's smallest unit, each term
	/// rounded down; a negative settlement balance (debt) counts in full. May be negative.
	pub value: i128,
	/// How many held non-settlement assets had no usable price (none, stale or halted) and
	/// were therefore counted as zero.
	pub unpriced: u32,
}

/// The collateral ledger, as the margin engine, liquidation and deposit routes use it.
///
/// Every method moves value *between* ledger entries or between a wallet and the ledger; none
/// creates or destroys value, so Σ ledger balances per asset always equals what the vault
/// holds. Errors leave everything unchanged.
pub trait CollateralLedger<AccountId> {
	/// How an asset is named outside the ledger (native, local asset id, XCM location ...).
	type AssetKind;

	/// The settlement asset, once governance has chosen it.
	fn settlement_collateral() -> Option<CollateralId>;

	/// The settlement asset's decimals (every value is in its smallest unit).
	fn settlement_decimals() -> Option<u8>;

	/// `account`'s balance of `collateral` (negative only for the settlement asset).
	fn balance(account: &MarginAccount<AccountId>, collateral: CollateralId) -> i128;

	/// How many assets `account` holds (valuing it reads each).
	fn held_assets(account: &MarginAccount<AccountId>) -> u32;

	/// The most assets an account may hold.
	fn max_assets() -> u32;

	/// `account`'s collateral valued in the settlement asset (see [`CollateralValuation`]).
	fn collateral_value(
		account: &MarginAccount<AccountId>,
	) -> Result<CollateralValuation, DispatchError>;

	/// `account`'s collateral valued as if `settlement_cash` had been added to its settlement
	/// balance (it may go negative, as realised losses take it) and then `changes`
	/// (collateral, signed amount: deposits and withdrawals) in order, nothing written: the
	/// margin engine's what-if simulation. Errors for an unregistered collateral
	/// (`UnknownCollateral`), a withdrawal of more than the balance then holds
	/// (`InsufficientBalance`) or more distinct assets than an account may hold; the other
	/// refusals of a real deposit or withdrawal (status, caps, the vault's liquidity, debt
	/// cover) are not applied.
	fn collateral_value_with(
		account: &MarginAccount<AccountId>,
		settlement_cash: i128,
		changes: &[(CollateralId, i128)],
	) -> Result<CollateralValuation, DispatchError>;

	/// Move `amount` of the settlement asset from `from` to `to` (PnL, fees, funding,
	/// insurance). `from` may go negative: the caller decides, by its margin rules, whether
	/// it may. Fails if there is no settlement asset, `amount` is zero or on overflow.
	fn transfer_settlement(
		from: &MarginAccount<AccountId>,
		to: &MarginAccount<AccountId>,
		amount: u128,
		reason: SettlementReason,
	) -> DispatchResult;

	/// Move `amount` of `collateral` from `from` to `to` without any margin check
	/// (liquidation seizing collateral). Never takes a non-settlement balance below zero.
	fn seize(
		from: &MarginAccount<AccountId>,
		to: &MarginAccount<AccountId>,
		collateral: CollateralId,
		amount: u128,
	) -> DispatchResult;

	/// Take `amount` of `collateral` from `payer`'s wallet into the vault and credit
	/// `beneficiary` (the same path as [`Self::credit_deposit`], by collateral id).
	fn deposit(
		payer: &AccountId,
		beneficiary: &MarginAccount<AccountId>,
		collateral: CollateralId,
		amount: u128,
	) -> DispatchResult;

	/// The one entry point of every deposit route (signed call, XCM, ISMP): take `amount` of
	/// `asset` from `payer`'s wallet into the vault and credit `beneficiary`'s margin account.
	/// Applies the registry's status and caps.
	fn credit_deposit(
		payer: &AccountId,
		beneficiary: &MarginAccount<AccountId>,
		asset: Self::AssetKind,
		amount: u128,
	) -> DispatchResult;

	/// As [`Self::credit_deposit`], for value coming back: a withdrawal that left through a
	/// route and returned (an ISMP timeout). The registry's status and caps do not apply —
	/// the value was in the vault when it left, and refusing it would strand what was burnt.
	fn credit_refund(
		payer: &AccountId,
		beneficiary: &MarginAccount<AccountId>,
		asset: Self::AssetKind,
		amount: u128,
	) -> DispatchResult;
}

/// Consulted by the ledger after a withdrawal or transfer has been applied to `account` (and
/// before it is committed): an error rolls the change back. The margin engine implements it
/// (equity must stay above the initial requirement).
pub trait WithdrawalGuard<AccountId>: CheckWeight<AccountId> {
	/// Whether `account`, in its new state after `collateral` left it, may keep the change.
	/// Returns what the check cost beyond the caller's benchmark of it (an account of as many
	/// perpetuals): the surcharge for the kind of account it valued, at most
	/// [`CheckWeight::check_weight_surcharge`] (what the caller declares).
	fn ensure_can_withdraw(
		account: &MarginAccount<AccountId>,
		collateral: CollateralId,
	) -> Result<polkadot_sdk::sp_runtime::Weight, DispatchError>;
}

/// What a margin check costs by the size of the account it values, for the calls that make
/// one (orders, withdrawals): they benchmark it with the placer's positions as a component,
/// declare the largest account and are charged the actual one.
pub trait CheckWeight<AccountId> {
	/// How many positions `account` holds (markets with a position or resting orders): what
	/// a check of it grows with.
	fn positions(_account: &MarginAccount<AccountId>) -> u32 {
		0
	}

	/// The most positions an account may hold: what a call declares.
	fn max_positions() -> u32 {
		0
	}

	/// How many collateral assets `account` holds: a check values each.
	fn collaterals(_account: &MarginAccount<AccountId>) -> u32 {
		0
	}

	/// The most collateral assets an account may hold: what a call declares.
	fn max_collaterals() -> u32 {
		0
	}

	/// What one check of an account of `positions` positions may cost beyond what the
	/// caller's benchmark measured at that count (benchmarks fill accounts with one kind of
	/// position; another kind may cost more per position): the costliest kind's, what a call
	/// declares. An order check reports what its account's kind cost
	/// (`OrderMarginCheck::ensure_can_place`).
	fn check_weight_surcharge(_positions: u32) -> polkadot_sdk::sp_runtime::Weight {
		polkadot_sdk::sp_runtime::Weight::zero()
	}
}

/// No margin engine: no account holds a position.
impl<AccountId> CheckWeight<AccountId> for () {}

/// No positions anywhere: every withdrawal the ledger itself allows passes.
impl<AccountId> WithdrawalGuard<AccountId> for () {
	fn ensure_can_withdraw(
		_: &MarginAccount<AccountId>,
		_: CollateralId,
	) -> Result<polkadot_sdk::sp_runtime::Weight, DispatchError> {
		Ok(polkadot_sdk::sp_runtime::Weight::zero())
	}
}

/// Accounts besides the insurance fund's own that hold the fund's settlement cash (runtime:
/// the margin engine's further backstop books, where realised PnL and funding of the positions
/// the fund took over land).
pub trait FundBooks {
	/// Their settlement cash, summed (it may be negative: a book's realised loss).
	fn extra_cash() -> i128;
	/// Move all of it into the fund's own account.
	fn consolidate() -> DispatchResult;
}

/// The fund has one account.
impl FundBooks for () {
	fn extra_cash() -> i128 {
		0
	}
	fn consolidate() -> DispatchResult {
		Ok(())
	}
}

/// Sends collateral from a wallet here to an account on another chain (runtime: XCM back to
/// the asset's reserve, or ISMP through the collateral bridge). Used by the vaults'
/// `withdraw_to` after the ledger has paid the wallet, in the same transaction: an error undoes
/// the withdrawal too.
pub trait OutboundTransfer<AccountId, AssetKind> {
	/// Where to, in the transport's terms (runtime: a chain and a beneficiary location). A call
	/// parameter, hence the codec bounds.
	type Destination: codec::FullCodec
		+ codec::DecodeWithMemTracking
		+ Clone
		+ Eq
		+ core::fmt::Debug
		+ scale_info::TypeInfo;

	/// Move `amount` of `asset` from `from`'s wallet to `to`.
	fn transfer(
		from: &AccountId,
		asset: AssetKind,
		amount: u128,
		to: Self::Destination,
	) -> polkadot_sdk::sp_runtime::DispatchResult;

	/// For the benchmarks: an existing asset this route can send and a destination it
	/// reaches, with whatever the route needs prepared (`None`: the route cannot be measured).
	fn benchmark_route() -> Option<(AssetKind, Self::Destination)> {
		None
	}
}

/// No route out: every outbound transfer fails.
impl<AccountId, AssetKind> OutboundTransfer<AccountId, AssetKind> for () {
	type Destination = ();
	fn transfer(
		_: &AccountId,
		_: AssetKind,
		_: u128,
		_: (),
	) -> polkadot_sdk::sp_runtime::DispatchResult {
		Err(polkadot_sdk::sp_runtime::DispatchError::Other("no outbound route"))
	}
}

/// Whether a liquidation waits for a confidential account's grace period.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Deferral {
	/// Liquidate now.
	No,
	/// A grace period has just started: nothing else happens now.
	GraceStarted,
	/// The grace period is still running.
	GraceRunning,
}

/// What the margin engine needs of confidential accounts (runtime: the confidential pallet):
/// a confidential account's hidden settlement balance counts in its equity only as its proven
/// lower bound, the floor (see `pallets/confidential/README.md`).
pub trait HiddenCollateral<AccountId> {
	/// The proven lower bound of `account`'s hidden settlement balance: what the margin engine
	/// counts beside its public collateral. Zero for an account that is not confidential.
	fn floor(account: &MarginAccount<AccountId>) -> u128;

	/// Whether liquidation of `account`, found liquidatable with `equity` (its floor counted),
	/// must wait: a confidential account whose floor counts and whose equity is still positive
	/// gets a grace period to prove a new band — started by the first liquidation attempt (a
	/// keeper's or the sweep's) — and is liquidated once it has run out. An account at or below
	/// zero equity is never deferred: waiting could only cost the insurance fund.
	fn defer_liquidation(account: &MarginAccount<AccountId>, equity: i128) -> Deferral;

	/// Move up to `amount` of `account`'s hidden balance, at most its floor, into its public
	/// settlement balance (liquidation covering a public debt): returns what moved.
	fn cover(account: &MarginAccount<AccountId>, amount: u128) -> Result<u128, DispatchError>;

	/// Call `f` with every account whose floor is not zero, and its floor: the margin engine's
	/// `try_state` and migrations compare its copies with these. Unbounded: never for a call.
	fn for_each_floor(f: &mut dyn FnMut(&MarginAccount<AccountId>, u128)) {
		let _ = f;
	}
}

/// No confidential accounts.
impl<AccountId> HiddenCollateral<AccountId> for () {
	fn floor(_: &MarginAccount<AccountId>) -> u128 {
		0
	}
	fn defer_liquidation(_: &MarginAccount<AccountId>, _: i128) -> Deferral {
		Deferral::No
	}
	fn cover(_: &MarginAccount<AccountId>, _: u128) -> Result<u128, DispatchError> {
		Ok(0)
	}
}

/// What the confidential pallet needs of the margin engine to verify a band proof.
pub trait BandValuation<AccountId> {
	/// `account`'s equity less its initial requirement (resting orders at their worst) with
	/// every market on `underlying` marked at `price` and its hidden balance not counted — the
	/// public part of `c + uPnL(P) − IM(P)`. Refused for a book the band argument does not
	/// cover (options, the portfolio model, markets on another underlying).
	fn surplus_at(
		account: &MarginAccount<AccountId>,
		underlying: crate::OracleKey,
		price: polkadot_sdk::sp_arithmetic::FixedU128,
	) -> Result<i128, DispatchError>;

	/// Whether `account` is liquidatable now, its floor counted.
	fn is_liquidatable(account: &MarginAccount<AccountId>) -> bool;

	/// What one valuation of the largest account may cost ([`Self::surplus_at`] and
	/// [`Self::is_liquidatable`] each make one).
	fn valuation_weight() -> polkadot_sdk::sp_runtime::Weight;

	/// `account`'s proven floor is now `floor`: the margin engine keeps a copy beside the
	/// account's positions, so a check reads one value for both. Called by the confidential
	/// pallet on every change of a floor (in the same call: the copies never differ).
	fn floor_changed(account: &MarginAccount<AccountId>, floor: u128);
}
