//! # Confidential accounts pallet
//!
//! A confidential sub-account holds its settlement-asset collateral as a Pedersen commitment
//! `C = c·G + r·H` instead of a public balance; the protocol and its safety argument are in
//! this crate's `README.md`, the cryptography in `clearinghouse-zk`.
//!
//! Calls: **enable** (a commitment to zero, proven), **shield** (a public amount into the
//! hidden balance), **unshield** (a public amount out of it, with a range proof that what stays
//! covers the floor), **prove_band** (one aggregated range proof that the account is solvent at
//! both ends of a price band; the floor it proves counts as collateral in every margin check),
//! **start_grace** (a keeper's, when the floor no longer covers the account), **transfer**,
//! **accept** and **reclaim** (a hidden amount between confidential accounts, its opening sealed
//! to the receiver). Every confidential balance is backed by the **pool**, a margin account of
//! this pallet in the vaults' settlement ledger, whose balance is [`PoolTotal`] (checked by
//! `try_state`): the vaults' own invariant is untouched. The margin engine asks this pallet, as
//! its [`HiddenCollateral`], for an account's floor, whether to defer its liquidation (the grace
//! period) and to cover a liquidated account's debt from the floor.
//!
//! No storage item or event holds `c` or a blinding; events carry only the public amounts that
//! moved and the commitment's version.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

pub use clearinghouse_primitives::{
	collateral::{
		BandValuation, CollateralLedger, Deferral, HiddenCollateral, MarginAccount,
		SettlementReason, WithdrawalGuard,
	},
	oracle::{Moment, OracleKey, PriceProvider},
};
pub use pallet::*;
pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{self, traits::ConstU32, BoundedVec},
	frame_system,
	sp_arithmetic::FixedU128,
};
use scale_info::TypeInfo;

/// The price band a confidential account proved itself solvent over.
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
pub struct Band {
	/// The underlying whose price the band is of.
	pub underlying: OracleKey,
	/// The lower end.
	pub low: FixedU128,
	/// The upper end.
	pub high: FixedU128,
	/// The band-proof epoch it was proven in.
	pub epoch: u64,
}

/// Funds accounts for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Put `amount` of the settlement asset in `who`'s public balance.
	fn fund(who: &MarginAccount<AccountId>, amount: u128);
	/// Price `underlying`, give `who` the largest book a band proof on it covers (the most
	/// positions, all linear on `underlying`, with resting orders) and return a band around
	/// the price that the benchmark's hidden balance covers.
	fn band(who: &MarginAccount<AccountId>, underlying: OracleKey) -> (FixedU128, FixedU128);
	/// Make the margin engine find `who`, whose floor is `floor`, liquidatable.
	fn make_liquidatable(who: &MarginAccount<AccountId>, floor: u128);
}

/// The longest proof any call takes (a range proof over two values); each call checks the
/// exact length its proof must have before any curve arithmetic.
pub const MAX_PROOF_LEN: u32 = 736;

/// A proof as submitted.
pub type Proof = BoundedVec<u8, ConstU32<MAX_PROOF_LEN>>;

/// The most bytes of a sealed opening (an x25519 key, a nonce, the sealed `(a, r)` and a tag fit
/// in about 100).
pub const MAX_SEALED_LEN: u32 = 160;

/// A sealed opening as submitted: only the receiver's key opens it; the chain stores it as is.
pub type Sealed = BoundedVec<u8, ConstU32<MAX_SEALED_LEN>>;

/// A transfer waiting in its receiver's inbox.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(AccountId))]
pub struct PendingTransfer<AccountId> {
	/// The sender.
	pub from: MarginAccount<AccountId>,
	/// The commitment to the amount.
	pub amount: [u8; 32],
	/// The amount's opening, sealed to the receiver's key.
	pub sealed: Sealed,
	/// When the sender may take it back if the receiver has not accepted it.
	pub expires: Moment,
	/// What the sender's owner has on hold for the inbox entry, released to it when the
	/// transfer is accepted or sent back.
	pub deposit: u128,
}

/// A confidential sub-account's public state: nothing here reveals the hidden balance.
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
pub struct ConfidentialAccount {
	/// The commitment to the hidden balance (compressed Ristretto).
	pub commitment: [u8; 32],
	/// Bumped after every successful verification against the commitment: a proof is for one
	/// version only.
	pub version: u64,
	/// The proven lower bound of the hidden balance (`X_lock`), set by the last band proof and
	/// lowered by transfers out of it only as far as they prove; zero without a band.
	pub floor: i128,
	/// The owner's encryption key (x25519) for openings sent to it.
	pub key: [u8; 32],
}

/// Everything public about a confidential sub-account (the runtime API's view): its state,
/// the band it last proved and the end of its grace period, if one runs. Still nothing that
/// reveals the hidden balance.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ConfidentialView {
	/// The commitment to the hidden balance (compressed Ristretto).
	pub commitment: [u8; 32],
	/// The version the next proof must name.
	pub version: u64,
	/// The proven floor (`X_lock`) the margin engine counts as collateral.
	pub floor: u128,
	/// The owner's encryption key (x25519).
	pub key: [u8; 32],
	/// The band last proven, if any.
	pub band: Option<Band>,
	/// The grace deadline (ms), if a grace period was started since the last band proof
	/// that covered the account — run out or not: one grace period per band.
	pub grace_until: Option<Moment>,
}

/// What a band proof over `[low, high]` with some headroom is checked against in the state
/// the quote is made on (a client's: the best block): the chain's public surplus at each end (`s(low)`, `s(high)`: equity less the initial
/// requirement with the underlying at that end, the hidden balance not counted), the floor the
/// proof would set (`max(0, headroom − s(low), headroom − s(high))`: the proof shows `c` is at
/// least this), and the epoch and version the proof must name. A prover builds its proof from
/// this; nothing in it depends on the hidden balance.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct BandQuote {
	/// `s(low)` in settlement units.
	pub surplus_low: i128,
	/// `s(high)` in settlement units.
	pub surplus_high: i128,
	/// The floor a valid proof sets.
	pub floor: u128,
	/// The band epoch of the quoted block's time (`now / EpochMs`). A proof must name the
	/// epoch of the block it lands in: the same unless the epoch turns first (or the chain was
	/// idle since — a dev chain that seals on demand; a prover then takes the wall clock's).
	pub epoch: u64,
	/// The commitment version the proof must name.
	pub version: u64,
	/// The underlying's oracle price now (inside the band, or the quote is refused).
	pub price: FixedU128,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use clearinghouse_zk::{Commitment, Operation, Statement};
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use polkadot_sdk::sp_runtime::{traits::Zero, ArithmeticError};

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The collateral ledger (runtime: the vaults).
		type Ledger: CollateralLedger<Self::AccountId>;
		/// Consulted after value leaves an account's public collateral (runtime: the margin
		/// engine: equity must stay above the initial requirement).
		type Guard: WithdrawalGuard<Self::AccountId>;
		/// The margin account holding every confidential balance publicly, as one total.
		type Pool: Get<MarginAccount<Self::AccountId>>;
		/// Sub-accounts per owner (the vaults' bound).
		type MaxSubAccounts: Get<u8>;
		/// Values a book at a band's ends (runtime: the margin engine).
		type Margin: BandValuation<Self::AccountId>;
		/// Oracle prices (a band must contain the current one).
		type Prices: PriceProvider<OracleKey>;
		/// The chain's clock (grace periods, band epochs).
		type Time: frame_support::traits::Time<Moment = Moment>;
		/// How long a confidential account whose proof stopped covering it has to prove a new
		/// band before it is liquidated (ms).
		#[pallet::constant]
		type GracePeriod: Get<Moment>;
		/// A band proof names its epoch (`now / EpochMs`) and must land within it (ms).
		#[pallet::constant]
		type EpochMs: Get<Moment>;
		/// The most transfers one account's inbox holds.
		#[pallet::constant]
		type MaxInbox: Get<u32>;
		/// How long a transfer waits for its receiver before its sender may take it back (ms).
		#[pallet::constant]
		type TransferExpiry: Get<Moment>;
		/// The native currency a transfer's inbox entry is paid for in: held from the sender
		/// while the entry waits (a full inbox costs whoever filled it).
		type Currency: frame_support::traits::fungible::MutateHold<
				Self::AccountId,
				Reason = Self::RuntimeHoldReason,
				Balance = u128,
			> + frame_support::traits::fungible::Mutate<Self::AccountId>;
		/// The runtime's hold reasons, this pallet's among them.
		type RuntimeHoldReason: From<HoldReason>;
		/// What one inbox entry holds of the sender's native balance.
		#[pallet::constant]
		type InboxDeposit: Get<u128>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
		/// Funds accounts for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Why this pallet holds native balance.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A confidential transfer waiting in its receiver's inbox.
		#[codec(index = 0)]
		InboxEntry,
	}

	/// Confidential sub-accounts.
	#[pallet::storage]
	pub type Accounts<T: Config> =
		StorageMap<_, Blake2_128Concat, MarginAccount<T::AccountId>, ConfidentialAccount>;

	/// The band each confidential account last proved itself solvent over.
	#[pallet::storage]
	pub type Bands<T: Config> = StorageMap<_, Blake2_128Concat, MarginAccount<T::AccountId>, Band>;

	/// When the grace period of an account whose proof stopped covering it runs out. It stays,
	/// run out or not, until the owner proves a band that covers the account: one grace period
	/// per band.
	#[pallet::storage]
	pub type GraceUntil<T: Config> =
		StorageMap<_, Blake2_128Concat, MarginAccount<T::AccountId>, Moment>;

	/// Transfers waiting for their receivers, by receiver and id.
	#[pallet::storage]
	pub type Inbox<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		MarginAccount<T::AccountId>,
		Twox64Concat,
		u64,
		PendingTransfer<T::AccountId>,
	>;

	/// How many transfers each inbox holds.
	#[pallet::storage]
	pub type InboxCount<T: Config> =
		StorageMap<_, Blake2_128Concat, MarginAccount<T::AccountId>, u32, ValueQuery>;

	/// The id the next transfer gets.
	#[pallet::storage]
	pub type NextTransferId<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// Σ of every hidden balance, publicly: what was shielded less what was unshielded. The
	/// pool's settlement balance in the vaults always equals it.
	#[pallet::storage]
	pub type PoolTotal<T: Config> = StorageValue<_, u128, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `account` became confidential, its balance a commitment to zero; openings for it
		/// are sealed to `key`.
		Enabled { account: MarginAccount<T::AccountId>, key: [u8; 32] },
		/// `amount` of the settlement asset left `account`'s public balance into its hidden one.
		Shielded { account: MarginAccount<T::AccountId>, amount: u128 },
		/// `amount` left `account`'s hidden balance into its public one; the commitment is now
		/// at `version`.
		Unshielded { account: MarginAccount<T::AccountId>, amount: u128, version: u64 },
		/// `account` proved itself solvent over `band`: its hidden balance is at least `floor`
		/// (what the margin engine now counts); the commitment is now at `version`.
		BandProven { account: MarginAccount<T::AccountId>, band: Band, floor: u128, version: u64 },
		/// `account`'s proof no longer covers it: it is liquidated after `until` unless it
		/// proves a new band first.
		GraceStarted { account: MarginAccount<T::AccountId>, until: Moment },
		/// Liquidation took `amount` of `account`'s hidden balance (at most its floor) to cover
		/// a public debt.
		Seized { account: MarginAccount<T::AccountId>, amount: u128 },
		/// `from` sent transfer `id` (its amount hidden) to `to`'s inbox; `from`'s commitment is
		/// now at `version`.
		TransferSent {
			from: MarginAccount<T::AccountId>,
			to: MarginAccount<T::AccountId>,
			id: u64,
			version: u64,
		},
		/// `to` accepted transfer `id` into its hidden balance.
		TransferAccepted { to: MarginAccount<T::AccountId>, id: u64 },
		/// Transfer `id` went back to its sender (rejected, or expired and taken back).
		TransferReturned {
			from: MarginAccount<T::AccountId>,
			to: MarginAccount<T::AccountId>,
			id: u64,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The sub-account index is not below `MaxSubAccounts`.
		SubAccountOutOfRange,
		/// The sub-account is already confidential.
		AlreadyEnabled,
		/// The sub-account is not confidential.
		NotEnabled,
		/// A commitment with no blinding (the group identity): it would hide nothing.
		IdentityCommitment,
		/// An amount of zero.
		ZeroAmount,
		/// An amount above `2^64 − 1` (what a range proof can show).
		AmountTooLarge,
		/// The account's public settlement balance is below the amount.
		InsufficientBalance,
		/// No settlement asset has been chosen.
		NoSettlementAsset,
		/// The proof's length is not the one its kind implies (checked before any work).
		ProofWrongSize,
		/// A scalar of the proof is not in canonical form.
		ProofNonCanonical,
		/// A point of the proof, or a commitment, is not a valid Ristretto encoding.
		ProofInvalidPoint,
		/// The proof does not verify for this account, version and amount.
		ProofInvalid,
		/// The pool holds less than the amount (would mean a broken invariant).
		PoolShortfall,
		/// A band whose low end is zero or above its high end.
		InvalidBand,
		/// The band does not contain the oracle's price now.
		BandExcludesPrice,
		/// No price for the band's underlying.
		PriceUnavailable,
		/// The account is not liquidatable: no grace period to start.
		NotLiquidatable,
		/// The account's grace period has already started.
		GraceAlreadyStarted,
		/// The account has proved no floor: nothing of its hidden balance counts, nothing to
		/// wait for.
		NoFloor,
		/// The receiver is not a confidential account.
		ReceiverNotEnabled,
		/// A transfer to the sending account itself.
		SameAccount,
		/// The receiver's inbox is full.
		InboxFull,
		/// No such transfer in this inbox.
		UnknownTransfer,
		/// The transfer has not expired: only its receiver may act on it yet.
		NotExpired,
		/// The sender's owner cannot put the inbox entry's deposit on hold.
		CannotHoldDeposit,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Make the signer's sub-account `sub` confidential: its hidden balance starts as
		/// `commitment`, proven (`proof`, 64 bytes) to commit to zero; openings sent to it are
		/// sealed to `key`.
		///
		/// * Who: the owner.
		/// * Events: [`Event::Enabled`].
		/// * Errors: [`Error::SubAccountOutOfRange`], [`Error::AlreadyEnabled`],
		///   [`Error::IdentityCommitment`], the proof errors ([`Error::ProofWrongSize`],
		///   [`Error::ProofNonCanonical`], [`Error::ProofInvalidPoint`],
		///   [`Error::ProofInvalid`]). Nothing changes on any error; the verification is paid
		///   for whatever its outcome.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::enable())]
		pub fn enable(
			origin: OriginFor<T>,
			sub: u8,
			key: [u8; 32],
			commitment: [u8; 32],
			proof: Proof,
		) -> DispatchResult {
			let account = Self::account_of(origin, sub)?;
			ensure!(!Accounts::<T>::contains_key(&account), Error::<T>::AlreadyEnabled);
			let commitment = Commitment(commitment);
			ensure!(commitment != Commitment::zero(), Error::<T>::IdentityCommitment);
			let encoded = account.encode();
			let statement = Self::statement(Operation::Enable, &encoded, 0, &key);
			clearinghouse_zk::verify_opening(&statement, &commitment, 0, &proof)
				.map_err(Self::proof_error)?;
			Accounts::<T>::insert(
				&account,
				ConfidentialAccount { commitment: commitment.0, version: 0, floor: 0, key },
			);
			Self::deposit_event(Event::Enabled { account, key });
			Ok(())
		}

		/// Move `amount` of the settlement asset from the signer's sub-account `sub`'s public
		/// balance into its hidden one (`C := C + amount·G`); the pool holds it.
		///
		/// * Who: the owner of a confidential sub-account.
		/// * Events: [`Event::Shielded`] (and the vaults' `SettlementTransferred`).
		/// * Errors: [`Error::NotEnabled`], [`Error::ZeroAmount`], [`Error::AmountTooLarge`],
		///   [`Error::InsufficientBalance`], [`Error::NoSettlementAsset`], and the margin
		///   engine's refusal when the account's positions need the amount (a shielded amount
		///   backs no position yet).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::shield().saturating_add(
			<T::Guard as clearinghouse_primitives::CheckWeight<T::AccountId>>::check_weight_surcharge(
				<T::Guard as clearinghouse_primitives::CheckWeight<T::AccountId>>::max_positions()
			)
		))]
		pub fn shield(
			origin: OriginFor<T>,
			sub: u8,
			#[pallet::compact] amount: u128,
		) -> DispatchResult {
			let account = Self::account_of(origin, sub)?;
			let mut state = Accounts::<T>::get(&account).ok_or(Error::<T>::NotEnabled)?;
			let (settlement, signed) = Self::check_amount(amount)?;
			ensure!(
				T::Ledger::balance(&account, settlement) >= signed,
				Error::<T>::InsufficientBalance
			);
			state.commitment =
				Commitment(state.commitment).add_value(signed).map_err(Self::proof_error)?.0;
			let total =
				PoolTotal::<T>::get().checked_add(amount).ok_or(ArithmeticError::Overflow)?;
			T::Ledger::transfer_settlement(
				&account,
				&T::Pool::get(),
				amount,
				SettlementReason::Confidential,
			)?;
			T::Guard::ensure_can_withdraw(&account, settlement)?;
			Accounts::<T>::insert(&account, state);
			PoolTotal::<T>::put(total);
			Self::deposit_event(Event::Shielded { account, amount });
			Ok(())
		}

		/// Move `amount` from the signer's sub-account `sub`'s hidden balance into its public
		/// one, with a range proof (672 bytes) that what stays covers the floor:
		/// `C − (amount + floor⁺)·G` opens to a value in `[0, 2^64)`. The commitment's version
		/// is bumped.
		///
		/// * Who: the owner of a confidential sub-account.
		/// * Events: [`Event::Unshielded`] (and the vaults' `SettlementTransferred`).
		/// * Errors: [`Error::NotEnabled`], [`Error::ZeroAmount`], [`Error::AmountTooLarge`],
		///   [`Error::NoSettlementAsset`], [`Error::PoolShortfall`], the proof errors (a proof
		///   for another account, version or amount is [`Error::ProofInvalid`]). Nothing
		///   changes on any error; the verification is paid for whatever its outcome.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unshield())]
		pub fn unshield(
			origin: OriginFor<T>,
			sub: u8,
			#[pallet::compact] amount: u128,
			proof: Proof,
		) -> DispatchResult {
			let account = Self::account_of(origin, sub)?;
			let mut state = Accounts::<T>::get(&account).ok_or(Error::<T>::NotEnabled)?;
			let (_, signed) = Self::check_amount(amount)?;
			let total =
				PoolTotal::<T>::get().checked_sub(amount).ok_or(Error::<T>::PoolShortfall)?;
			let current = Commitment(state.commitment);
			let kept = signed.checked_add(state.floor.max(0)).ok_or(ArithmeticError::Overflow)?;
			let remainder = current.add_value(-kept).map_err(Self::proof_error)?;
			let encoded = account.encode();
			let public = amount.encode();
			let statement = Self::statement(Operation::Unshield, &encoded, state.version, &public);
			clearinghouse_zk::verify_range(&statement, &[remainder], &proof)
				.map_err(Self::proof_error)?;
			T::Ledger::transfer_settlement(
				&T::Pool::get(),
				&account,
				amount,
				SettlementReason::Confidential,
			)?;
			state.commitment = current.add_value(-signed).map_err(Self::proof_error)?.0;
			state.version = state.version.checked_add(1).ok_or(ArithmeticError::Overflow)?;
			let version = state.version;
			Accounts::<T>::insert(&account, state);
			PoolTotal::<T>::put(total);
			Self::deposit_event(Event::Unshielded { account, amount, version });
			Ok(())
		}

		/// Prove the signer's sub-account `sub` solvent over `[low, high]` on `underlying`, with
		/// `headroom` to spare: a range proof over two values (736 bytes) that
		/// `c + s(low) − headroom` and `c + s(high) − headroom` are not negative, where `s(P)` is
		/// the account's public equity less its initial requirement with the underlying at `P`
		/// — computed here by the margin engine, never taken from the call. The floor,
		/// `max(0, headroom − s(low), headroom − s(high))`, is then what the margin engine counts
		/// of the hidden balance (the headroom is what new orders may use); any grace period
		/// ends; the commitment's version is bumped. The proof names the current band epoch
		/// (`now / EpochMs`).
		///
		/// * Who: the owner of a confidential sub-account.
		/// * Events: [`Event::BandProven`].
		/// * Errors: [`Error::NotEnabled`], [`Error::InvalidBand`], [`Error::AmountTooLarge`]
		///   (headroom above `2^64 − 1`), [`Error::PriceUnavailable`],
		///   [`Error::BandExcludesPrice`], the margin engine's `BandUnsupported` (options, the
		///   portfolio model, several underlyings), the proof errors. Nothing changes on any
		///   error; the verification is paid for whatever its outcome.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::prove_band())]
		pub fn prove_band(
			origin: OriginFor<T>,
			sub: u8,
			underlying: OracleKey,
			low: FixedU128,
			high: FixedU128,
			#[pallet::compact] headroom: u128,
			proof: Proof,
		) -> DispatchResult {
			let account = Self::account_of(origin, sub)?;
			let mut state = Accounts::<T>::get(&account).ok_or(Error::<T>::NotEnabled)?;
			let quote = Self::quote(&account, &state, underlying, low, high, headroom)?;
			let band = Band { underlying, low, high, epoch: quote.epoch };
			// `headroom` fits a u64 (checked by the quote).
			let headroom = headroom as i128;
			let ends = [
				quote.surplus_low.checked_sub(headroom).ok_or(ArithmeticError::Overflow)?,
				quote.surplus_high.checked_sub(headroom).ok_or(ArithmeticError::Overflow)?,
			];
			let current = Commitment(state.commitment);
			let commitments = [
				current.add_value(ends[0]).map_err(Self::proof_error)?,
				current.add_value(ends[1]).map_err(Self::proof_error)?,
			];
			let encoded = account.encode();
			let public = (underlying, low, high, headroom as u128).encode();
			let statement = Statement {
				epoch: band.epoch,
				..Self::statement(Operation::Band, &encoded, state.version, &public)
			};
			clearinghouse_zk::verify_range(&statement, &commitments, &proof)
				.map_err(Self::proof_error)?;
			state.floor = i128::try_from(quote.floor).map_err(|_| ArithmeticError::Overflow)?;
			T::Margin::floor_changed(&account, quote.floor);
			state.version = state.version.checked_add(1).ok_or(ArithmeticError::Overflow)?;
			let version = state.version;
			Accounts::<T>::insert(&account, state);
			Bands::<T>::insert(&account, band);
			// The grace period ends only if the new floor covers the account at the engine's
			// own marks (a band around the index is not enough when the mark differs).
			if !T::Margin::is_liquidatable(&account) {
				GraceUntil::<T>::remove(&account);
			}
			Self::deposit_event(Event::BandProven { account, band, floor: quote.floor, version });
			Ok(())
		}

		/// Start `account`'s grace period: its proof no longer covers it (the margin engine,
		/// counting its floor, finds it liquidatable). It is liquidated once the period has run
		/// out unless it proves a new band first.
		///
		/// * Who: anyone (a keeper).
		/// * Events: [`Event::GraceStarted`].
		/// * Errors: [`Error::NotEnabled`], [`Error::NoFloor`] (nothing to wait for: it is
		///   liquidated like any account), [`Error::GraceAlreadyStarted`],
		///   [`Error::NotLiquidatable`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::start_grace()
			.saturating_add(T::Margin::valuation_weight()))]
		pub fn start_grace(
			origin: OriginFor<T>,
			account: MarginAccount<T::AccountId>,
		) -> DispatchResult {
			ensure_signed(origin)?;
			let state = Accounts::<T>::get(&account).ok_or(Error::<T>::NotEnabled)?;
			ensure!(state.floor > 0, Error::<T>::NoFloor);
			ensure!(!GraceUntil::<T>::contains_key(&account), Error::<T>::GraceAlreadyStarted);
			ensure!(T::Margin::is_liquidatable(&account), Error::<T>::NotLiquidatable);
			Self::begin_grace(&account);
			Ok(())
		}

		/// Send a hidden amount from the signer's sub-account `sub` to `to`'s inbox: `amount` is
		/// its commitment `A`, `sealed` its opening sealed to `to`'s key, `proof` one aggregated
		/// range proof (736 bytes) that `A` and `C − A − floor·G` open to values in
		/// `[0, 2^64)` — the amount is not negative and what stays covers the floor. The sender's
		/// commitment becomes `C − A` (version bumped); `to` adds it when it accepts. The
		/// signer pays for the inbox entry: [`Config::InboxDeposit`] of its native balance is
		/// held until the transfer is accepted or sent back.
		///
		/// * Who: the owner of a confidential sub-account.
		/// * Events: [`Event::TransferSent`] (no amount).
		/// * Errors: [`Error::NotEnabled`], [`Error::ReceiverNotEnabled`],
		///   [`Error::SameAccount`], [`Error::InboxFull`], [`Error::IdentityCommitment`], the
		///   proof errors, [`Error::CannotHoldDeposit`]. Nothing changes on any error.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::transfer())]
		pub fn transfer(
			origin: OriginFor<T>,
			sub: u8,
			to: MarginAccount<T::AccountId>,
			amount: [u8; 32],
			sealed: Sealed,
			proof: Proof,
		) -> DispatchResult {
			let from = Self::account_of(origin, sub)?;
			let mut state = Accounts::<T>::get(&from).ok_or(Error::<T>::NotEnabled)?;
			ensure!(from != to, Error::<T>::SameAccount);
			ensure!(Accounts::<T>::contains_key(&to), Error::<T>::ReceiverNotEnabled);
			let count = InboxCount::<T>::get(&to);
			ensure!(count < T::MaxInbox::get(), Error::<T>::InboxFull);
			let amount = Commitment(amount);
			ensure!(amount != Commitment::zero(), Error::<T>::IdentityCommitment);
			let current = Commitment(state.commitment);
			let rest = current.sub(&amount).map_err(Self::proof_error)?;
			let kept = rest.add_value(-state.floor.max(0)).map_err(Self::proof_error)?;
			let encoded = from.encode();
			let public = (&to, amount.0, &sealed).encode();
			let statement = Self::statement(Operation::Transfer, &encoded, state.version, &public);
			clearinghouse_zk::verify_range(&statement, &[amount, kept], &proof)
				.map_err(Self::proof_error)?;
			state.commitment = rest.0;
			state.version = state.version.checked_add(1).ok_or(ArithmeticError::Overflow)?;
			let version = state.version;
			let id = NextTransferId::<T>::get();
			let expires = <T::Time as frame_support::traits::Time>::now()
				.saturating_add(T::TransferExpiry::get());
			let deposit = T::InboxDeposit::get();
			<T::Currency as frame_support::traits::fungible::MutateHold<_>>::hold(
				&HoldReason::InboxEntry.into(),
				&from.owner,
				deposit,
			)
			.map_err(|_| Error::<T>::CannotHoldDeposit)?;
			Accounts::<T>::insert(&from, state);
			Inbox::<T>::insert(
				&to,
				id,
				PendingTransfer { from: from.clone(), amount: amount.0, sealed, expires, deposit },
			);
			InboxCount::<T>::insert(&to, count.saturating_add(1));
			NextTransferId::<T>::put(id.saturating_add(1));
			Self::deposit_event(Event::TransferSent { from, to, id, version });
			Ok(())
		}

		/// Accept transfer `id` into the signer's sub-account `sub`: `proof` (96 bytes) shows the
		/// receiver knows an opening of the amount's commitment, so nothing enters its balance
		/// that it cannot open. The commitment becomes `C + A` (version bumped).
		///
		/// * Who: the receiver.
		/// * Events: [`Event::TransferAccepted`].
		/// * Errors: [`Error::NotEnabled`], [`Error::UnknownTransfer`], the proof errors.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::accept())]
		pub fn accept(origin: OriginFor<T>, sub: u8, id: u64, proof: Proof) -> DispatchResult {
			let to = Self::account_of(origin, sub)?;
			let mut state = Accounts::<T>::get(&to).ok_or(Error::<T>::NotEnabled)?;
			let pending = Inbox::<T>::get(&to, id).ok_or(Error::<T>::UnknownTransfer)?;
			let amount = Commitment(pending.amount);
			let encoded = to.encode();
			let public = id.encode();
			let statement = Self::statement(Operation::Accept, &encoded, state.version, &public);
			clearinghouse_zk::verify_knowledge(&statement, &amount, &proof)
				.map_err(Self::proof_error)?;
			state.commitment =
				Commitment(state.commitment).add(&amount).map_err(Self::proof_error)?.0;
			state.version = state.version.checked_add(1).ok_or(ArithmeticError::Overflow)?;
			Accounts::<T>::insert(&to, state);
			Self::take_from_inbox(&to, id, &pending)?;
			Self::deposit_event(Event::TransferAccepted { to, id });
			Ok(())
		}

		/// Send transfer `id` back to its sender: the receiver may always (reject), the sender
		/// once it has expired (the sender knows the amount's opening: its balance stays known
		/// to it).
		///
		/// * Who: the receiver (`sub` its sub-account, `receiver` ignored) or, after expiry, the
		///   sender (`receiver` the inbox it sent to).
		/// * Events: [`Event::TransferReturned`].
		/// * Errors: [`Error::UnknownTransfer`], [`Error::NotExpired`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::reclaim())]
		pub fn reclaim(
			origin: OriginFor<T>,
			sub: u8,
			receiver: MarginAccount<T::AccountId>,
			id: u64,
		) -> DispatchResult {
			let caller = Self::account_of(origin, sub)?;
			let (inbox, pending) = match Inbox::<T>::get(&caller, id) {
				Some(pending) => (caller, pending),
				None => {
					let pending =
						Inbox::<T>::get(&receiver, id).ok_or(Error::<T>::UnknownTransfer)?;
					ensure!(pending.from == caller, Error::<T>::UnknownTransfer);
					let now = <T::Time as frame_support::traits::Time>::now();
					ensure!(now >= pending.expires, Error::<T>::NotExpired);
					(receiver, pending)
				},
			};
			if let Some(mut state) = Accounts::<T>::get(&pending.from) {
				state.commitment = Commitment(state.commitment)
					.add(&Commitment(pending.amount))
					.map_err(Self::proof_error)?
					.0;
				Accounts::<T>::insert(&pending.from, state);
			}
			Self::take_from_inbox(&inbox, id, &pending)?;
			Self::deposit_event(Event::TransferReturned { from: pending.from, to: inbox, id });
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(
			_: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	impl<T: Config> Pallet<T> {
		fn account_of(
			origin: OriginFor<T>,
			sub: u8,
		) -> Result<MarginAccount<T::AccountId>, DispatchError> {
			let owner = ensure_signed(origin)?;
			ensure!(sub < T::MaxSubAccounts::get(), Error::<T>::SubAccountOutOfRange);
			Ok(MarginAccount::new(owner, sub))
		}

		/// The settlement asset and `amount` as a signed value, if it is a provable amount.
		fn check_amount(amount: u128) -> Result<(u16, i128), DispatchError> {
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			ensure!(amount <= u128::from(u64::MAX), Error::<T>::AmountTooLarge);
			let settlement =
				T::Ledger::settlement_collateral().ok_or(Error::<T>::NoSettlementAsset)?;
			Ok((settlement, amount as i128))
		}

		/// Remove transfer `id` from `to`'s inbox and release its deposit to the sender's owner.
		fn take_from_inbox(
			to: &MarginAccount<T::AccountId>,
			id: u64,
			pending: &PendingTransfer<T::AccountId>,
		) -> DispatchResult {
			use frame_support::traits::{fungible::MutateHold, tokens::Precision};
			Inbox::<T>::remove(to, id);
			InboxCount::<T>::mutate(to, |c| *c = c.saturating_sub(1));
			T::Currency::release(
				&HoldReason::InboxEntry.into(),
				&pending.from.owner,
				pending.deposit,
				Precision::BestEffort,
			)?;
			Ok(())
		}

		/// Start `account`'s grace period now.
		pub(crate) fn begin_grace(account: &MarginAccount<T::AccountId>) -> Moment {
			let until = <T::Time as frame_support::traits::Time>::now()
				.saturating_add(T::GracePeriod::get());
			GraceUntil::<T>::insert(account, until);
			Self::deposit_event(Event::GraceStarted { account: account.clone(), until });
			until
		}

		/// The band-proof epoch now: `now / EpochMs`.
		pub fn epoch() -> u64 {
			use frame_support::traits::Time;
			T::Time::now() / T::EpochMs::get().max(1)
		}

		/// The chain's genesis hash (known from block 1 on; the placeholder before).
		pub fn genesis() -> [u8; 32] {
			let hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
			let mut out = [0u8; 32];
			let bytes = hash.as_ref();
			let n = bytes.len().min(32);
			out[..n].copy_from_slice(&bytes[..n]);
			out
		}

		/// The statement a proof of `operation` by the account encoded as `account` must be
		/// bound to. Epoch 0: only band proofs name an oracle epoch.
		pub fn statement<'a>(
			operation: Operation,
			account: &'a [u8],
			version: u64,
			public: &'a [u8],
		) -> Statement<'a> {
			Statement { genesis: Self::genesis(), operation, account, version, epoch: 0, public }
		}

		fn proof_error(e: clearinghouse_zk::Error) -> DispatchError {
			use clearinghouse_zk::Error as Z;
			match e {
				Z::WrongAggregation | Z::WrongLength => Error::<T>::ProofWrongSize,
				Z::NonCanonical => Error::<T>::ProofNonCanonical,
				Z::InvalidPoint => Error::<T>::ProofInvalidPoint,
				Z::Invalid => Error::<T>::ProofInvalid,
			}
			.into()
		}

		/// `account`'s confidential state, band and grace deadline (the runtime API).
		pub fn state(account: &MarginAccount<T::AccountId>) -> Option<ConfidentialView> {
			Accounts::<T>::get(account).map(|s| ConfidentialView {
				commitment: s.commitment,
				version: s.version,
				floor: s.floor.max(0).unsigned_abs(),
				key: s.key,
				band: Bands::<T>::get(account),
				grace_until: GraceUntil::<T>::get(account),
			})
		}

		/// What a band proof by `account` over `[low, high]` with `headroom` is checked against
		/// in the current state (the runtime API; [`Self::prove_band`] checks exactly this). Errors as
		/// `prove_band` does before it looks at the proof.
		pub fn band_quote(
			account: &MarginAccount<T::AccountId>,
			underlying: OracleKey,
			low: FixedU128,
			high: FixedU128,
			headroom: u128,
		) -> Result<BandQuote, DispatchError> {
			let state = Accounts::<T>::get(account).ok_or(Error::<T>::NotEnabled)?;
			Self::quote(account, &state, underlying, low, high, headroom)
		}

		fn quote(
			account: &MarginAccount<T::AccountId>,
			state: &ConfidentialAccount,
			underlying: OracleKey,
			low: FixedU128,
			high: FixedU128,
			headroom: u128,
		) -> Result<BandQuote, DispatchError> {
			ensure!(!low.is_zero() && low <= high, Error::<T>::InvalidBand);
			ensure!(headroom <= u128::from(u64::MAX), Error::<T>::AmountTooLarge);
			let (price, _) = T::Prices::price(&underlying).ok_or(Error::<T>::PriceUnavailable)?;
			ensure!(low <= price && price <= high, Error::<T>::BandExcludesPrice);
			let surplus_low = T::Margin::surplus_at(account, underlying, low)?;
			let surplus_high = T::Margin::surplus_at(account, underlying, high)?;
			let shortfall = |s: i128| (headroom as i128).checked_sub(s).map(|d| d.max(0));
			let floor = shortfall(surplus_low)
				.zip(shortfall(surplus_high))
				.map(|(a, b)| a.max(b).unsigned_abs())
				.ok_or(ArithmeticError::Overflow)?;
			Ok(BandQuote {
				surplus_low,
				surplus_high,
				floor,
				epoch: Self::epoch(),
				version: state.version,
				price,
			})
		}

		/// The invariants: the pool's settlement balance is [`PoolTotal`]; every commitment is a
		/// valid point.
		#[cfg(any(feature = "try-runtime", feature = "std"))]
		pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			if let Some(settlement) = T::Ledger::settlement_collateral() {
				let pool = T::Ledger::balance(&T::Pool::get(), settlement);
				ensure!(
					pool == PoolTotal::<T>::get() as i128,
					"the pool's settlement balance differs from the shielded total"
				);
			}
			for (_, state) in Accounts::<T>::iter() {
				let c = Commitment(state.commitment);
				ensure!(c.point().is_ok(), "a commitment is not a valid point");
			}
			for (to, count) in InboxCount::<T>::iter() {
				ensure!(
					Inbox::<T>::iter_prefix(&to).count() == count as usize,
					"an inbox count differs from its transfers"
				);
				ensure!(count <= T::MaxInbox::get(), "an inbox above its bound");
			}
			// Bands and grace periods belong to confidential accounts only.
			for (account, _) in Bands::<T>::iter() {
				ensure!(Accounts::<T>::contains_key(&account), "a band of no confidential account");
			}
			for (account, _) in GraceUntil::<T>::iter() {
				ensure!(
					Accounts::<T>::contains_key(&account),
					"a grace period of no confidential account"
				);
			}
			// Every sender's owner has on hold what its inbox entries say.
			let mut held = alloc::collections::btree_map::BTreeMap::<T::AccountId, u128>::new();
			for (_, _, pending) in Inbox::<T>::iter() {
				let sum = held.entry(pending.from.owner.clone()).or_default();
				*sum = sum.saturating_add(pending.deposit);
			}
			for (owner, sum) in held {
				use frame_support::traits::fungible::InspectHold;
				ensure!(
					T::Currency::balance_on_hold(&HoldReason::InboxEntry.into(), &owner) == sum,
					"an owner's inbox deposits differ from what is on hold"
				);
			}
			Ok(())
		}
	}
}

/// What the margin engine counts of confidential accounts.
impl<T: Config> HiddenCollateral<T::AccountId> for Pallet<T> {
	fn floor(account: &MarginAccount<T::AccountId>) -> u128 {
		Accounts::<T>::get(account).map(|s| s.floor.max(0).unsigned_abs()).unwrap_or_default()
	}

	fn for_each_floor(f: &mut dyn FnMut(&MarginAccount<T::AccountId>, u128)) {
		for (account, state) in Accounts::<T>::iter() {
			if state.floor > 0 {
				f(&account, state.floor.unsigned_abs());
			}
		}
	}

	/// Deferred while the account has a floor, positive equity and a grace period that has not
	/// run out — started here the first time.
	fn defer_liquidation(account: &MarginAccount<T::AccountId>, equity: i128) -> Deferral {
		use frame_support::traits::Time;
		if Self::floor(account) == 0 || equity <= 0 {
			return Deferral::No;
		}
		match GraceUntil::<T>::get(account) {
			None => {
				Self::begin_grace(account);
				Deferral::GraceStarted
			},
			Some(until) if T::Time::now() < until => Deferral::GraceRunning,
			Some(_) => Deferral::No,
		}
	}

	/// At most the floor (`c ≥ floor` is proven), and at most what the pool holds.
	fn cover(
		account: &MarginAccount<T::AccountId>,
		amount: u128,
	) -> Result<u128, polkadot_sdk::sp_runtime::DispatchError> {
		let Some(mut state) = Accounts::<T>::get(account) else { return Ok(0) };
		let moved = amount.min(Self::floor(account)).min(PoolTotal::<T>::get());
		if moved == 0 {
			return Ok(0);
		}
		let signed = i128::try_from(moved)
			.map_err(|_| polkadot_sdk::sp_runtime::ArithmeticError::Overflow)?;
		T::Ledger::transfer_settlement(
			&<T::Pool as polkadot_sdk::frame_support::traits::Get<_>>::get(),
			account,
			moved,
			SettlementReason::Confidential,
		)?;
		state.commitment = clearinghouse_zk::Commitment(state.commitment)
			.add_value(-signed)
			.map_err(|_| Error::<T>::ProofInvalidPoint)?
			.0;
		state.floor = state.floor.saturating_sub(signed);
		T::Margin::floor_changed(account, state.floor.max(0).unsigned_abs());
		Accounts::<T>::insert(account, state);
		PoolTotal::<T>::mutate(|t| *t = t.saturating_sub(moved));
		Pallet::<T>::deposit_event(Event::Seized { account: account.clone(), amount: moved });
		Ok(moved)
	}
}
