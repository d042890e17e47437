//! # Collateral bridge (ISMP / Hyperbridge)
//!
//! Moves collateral between margin accounts here and token contracts on other chains (EVM and
//! others) over ISMP, with Hyperbridge as the coprocessor.
//!
//! ## Deposits
//!
//! A hyper-fungible-token contract on another chain sends a POST whose body is the ABI encoding
//! `abi.encode(Message { bytes from; bytes to; uint256 amount; bytes data })` ([`Message`]):
//! `to` is the 32-byte beneficiary account here and `data` is empty (cross margin) or one byte,
//! the sub-account. Governance whitelists each (source state machine, contract) pair and maps
//! it to a local collateral asset with its decimals ([`Pallet::set_route`]). [`IsmpModule`]'s
//! `on_accept` then mints the amount, scaled to local decimals, into the beneficiary's wallet
//! and credits its margin account through the vaults' single deposit entry point
//! (`CollateralLedger::credit_deposit`), all or nothing.
//!
//! **Every rejection is an error**: an unknown source or contract, a malformed body, a
//! beneficiary that is not 32 bytes, an amount that does not scale exactly or overflows, a
//! deposit the vault refuses (cap, withdraw-only). Nothing is minted and nothing is recorded;
//! the request is never delivered, so it times out at the source, which refunds the sender.
//! Accepting and parking a refused deposit would mint tokens the user did not ask to hold here.
//!
//! ## Withdrawals
//!
//! `vaults.withdraw_to` with an ISMP destination (the runtime routes it to [`Pallet::send`])
//! burns the withdrawn tokens from the owner's wallet and dispatches a POST to the asset's
//! route (its contract on its chain) with a [`Message`] body, `from` the owner, and the route's
//! timeout. If it times out, `on_timeout` mints the amount back into the owner's cross-margin
//! account (sub-account 0: the body carries no sub-account).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::{boxed::Box, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use ismp::{
	dispatcher::{DispatchPost, DispatchRequest, FeeMetadata, IsmpDispatcher},
	host::StateMachine,
	module::IsmpModule,
	router::{PostRequest, Request},
};
use polkadot_sdk::{
	frame_support::{
		self,
		traits::{
			fungibles,
			tokens::{Fortitude, Precision, Preservation},
			Contains, Get,
		},
		weights::Weight,
	},
	sp_runtime::DispatchError,
};
use scale_info::TypeInfo;

pub use clearinghouse_primitives::collateral::{CollateralLedger, MarginAccount};
pub use pallet::*;
pub use weights::WeightInfo;

/// Provides a bridgeable collateral for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AssetKind> {
	/// An asset only the bridge mints ([`Config::BridgeMinted`]), registered as active vault
	/// collateral, with its decimals.
	fn collateral() -> (AssetKind, u8);
}

alloy_sol_macro::sol! {
	/// The hyper-fungible-token message (Solidity `HyperFungibleToken.Message`).
	#[derive(Debug, PartialEq, Eq)]
	struct Message {
		bytes from;
		bytes to;
		uint256 amount;
		bytes data;
	}
}

/// Amounts as a [`Message`] carries them: 256-bit, in the remote token's decimals.
pub use alloy_primitives::U256;

impl Message {
	/// The ABI encoding a request carries as its body.
	pub fn to_body(&self) -> Vec<u8> {
		alloy_sol_types::SolValue::abi_encode(self)
	}

	/// Decodes a request body: `None` unless it is one ABI-encoded `Message`.
	pub fn from_body(body: &[u8]) -> Option<Self> {
		<Self as alloy_sol_types::SolValue>::abi_decode(body).ok()
	}
}

/// A state machine as a storage key: ISMP's `StateMachine` is at most 9 bytes encoded but
/// does not declare it.
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
	TypeInfo,
)]
pub struct Chain(pub StateMachine);
impl MaxEncodedLen for Chain {
	fn max_encoded_len() -> usize {
		// Variant index, then at most a 4-byte consensus id and a u32 para id.
		1 + 4 + 4
	}
}

/// A contract (module id) on another chain: an EVM address or a 32-byte id.
pub type ContractId = frame_support::BoundedVec<u8, frame_support::traits::ConstU32<32>>;

/// Where a bridged asset comes from and goes back to.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Route<AssetKind> {
	/// The local collateral asset it mints and burns.
	pub asset: AssetKind,
	/// Decimals of the token on the other chain (e.g. 18) and here (e.g. 6).
	pub remote_decimals: u8,
	pub local_decimals: u8,
	/// Timeout of withdrawals sent back, in seconds.
	pub timeout_secs: u64,
}

/// Amount conversions between the two decimal conventions: exact or nothing.
pub mod scale {
	use alloy_primitives::U256;

	/// `remote` (with `remote_decimals`) in local units; `None` unless exact and within `u128`.
	pub fn to_local(remote: U256, remote_decimals: u8, local_decimals: u8) -> Option<u128> {
		let local = if remote_decimals >= local_decimals {
			let factor =
				U256::from(10u8).checked_pow(U256::from(remote_decimals - local_decimals))?;
			if !(remote % factor).is_zero() {
				return None;
			}
			remote / factor
		} else {
			remote.checked_mul(
				U256::from(10u8).checked_pow(U256::from(local_decimals - remote_decimals))?,
			)?
		};
		u128::try_from(local).ok()
	}

	/// `local` in the remote convention; `None` on overflow or inexact.
	pub fn to_remote(local: u128, remote_decimals: u8, local_decimals: u8) -> Option<U256> {
		let local = U256::from(local);
		if remote_decimals >= local_decimals {
			local.checked_mul(
				U256::from(10u8).checked_pow(U256::from(remote_decimals - local_decimals))?,
			)
		} else {
			let factor =
				U256::from(10u8).checked_pow(U256::from(local_decimals - remote_decimals))?;
			(local % factor).is_zero().then(|| local / factor)
		}
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use polkadot_sdk::frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// How collateral assets are named (runtime: the vaults' asset kind).
		type AssetKind: Parameter + Member + MaxEncodedLen;

		/// The bridged tokens: minted on deposit, burnt on withdrawal.
		type Assets: fungibles::Mutate<Self::AccountId, AssetId = Self::AssetKind, Balance = u128>;

		/// The vault ledger and its single deposit entry point.
		type Ledger: CollateralLedger<Self::AccountId, AssetKind = Self::AssetKind>;

		/// Sends POST requests (runtime: `pallet_ismp::Pallet`).
		type Dispatcher: IsmpDispatcher<Account = Self::AccountId, Balance = u128>;

		/// May whitelist routes. A route is mint authority over its asset, so this belongs to
		/// the most guarded track (runtime: `root`).
		type RouteOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The assets a route may credit: those whose supply only this bridge creates (their
		/// tokens exist here only against tokens locked at the source). Never the native token
		/// or an asset minted by anyone else, or a whitelisted contract could mint it at will.
		type BridgeMinted: Contains<Self::AssetKind>;

		/// This module's id in ISMP (8 bytes: a pallet id).
		#[pallet::constant]
		type ModuleId: Get<[u8; 8]>;

		/// Weights of this pallet.
		type WeightInfo: WeightInfo;

		/// Provides a bridgeable collateral for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AssetKind>;
	}

	/// The whitelist: (source chain, contract) → the route.
	#[pallet::storage]
	pub type Routes<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		Chain,
		Blake2_128Concat,
		ContractId,
		Route<T::AssetKind>,
	>;

	/// Where each bridged asset goes back to.
	#[pallet::storage]
	pub type AssetRoutes<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AssetKind, (Chain, ContractId)>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance whitelisted `contract` on `chain` for `route`.
		RouteSet { chain: Chain, contract: ContractId, route: Route<T::AssetKind> },
		/// Governance removed the route of `contract` on `chain`.
		RouteRemoved { chain: Chain, contract: ContractId },
		/// A POST from `contract` on `chain` credited `amount` of `asset` to `account`.
		Deposited {
			chain: Chain,
			contract: ContractId,
			account: MarginAccount<T::AccountId>,
			asset: T::AssetKind,
			amount: u128,
		},
		/// `owner` sent `amount` of `asset` to `recipient` on `chain` (request `commitment`).
		Sent {
			owner: T::AccountId,
			asset: T::AssetKind,
			amount: u128,
			chain: Chain,
			recipient: ContractId,
			commitment: polkadot_sdk::sp_core::H256,
		},
		/// A withdrawal to `chain` timed out: `amount` of `asset` is back in `owner`'s
		/// cross-margin account.
		Refunded { owner: T::AccountId, asset: T::AssetKind, amount: u128, chain: Chain },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No route is whitelisted for this source and contract, or for this asset.
		UnknownRoute,
		/// The asset already has a route back to another contract.
		AssetRouted,
		/// The asset is not one only this bridge mints ([`Config::BridgeMinted`]).
		NotBridgeMinted,
		/// Decimals above 38 (`u128` holds 10^38).
		InvalidDecimals,
		/// The amount does not convert exactly between the two decimal conventions.
		AmountNotConvertible,
		/// The ISMP dispatcher refused the request.
		DispatchFailed,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Whitelist `contract` on `chain` as the bridge of `route.asset`: its POSTs credit
		/// margin accounts, and withdrawals of the asset go back to it.
		///
		/// * Who: [`Config::RouteOrigin`].
		/// * Events: [`Event::RouteSet`].
		/// * Errors: [`Error::NotBridgeMinted`], [`Error::InvalidDecimals`],
		///   [`Error::AssetRouted`] (the asset is routed to another contract: remove that route
		///   first).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_route())]
		pub fn set_route(
			origin: OriginFor<T>,
			chain: Chain,
			contract: ContractId,
			route: Route<T::AssetKind>,
		) -> DispatchResult {
			T::RouteOrigin::ensure_origin(origin)?;
			ensure!(T::BridgeMinted::contains(&route.asset), Error::<T>::NotBridgeMinted);
			ensure!(
				route.remote_decimals <= 38 && route.local_decimals <= 38,
				Error::<T>::InvalidDecimals
			);
			if let Some(existing) = AssetRoutes::<T>::get(&route.asset) {
				ensure!(existing == (chain, contract.clone()), Error::<T>::AssetRouted);
			}
			// Re-pointing the contract at another asset: the old asset no longer goes back to it.
			if let Some(old) = Routes::<T>::get(chain, &contract) {
				if old.asset != route.asset {
					AssetRoutes::<T>::remove(&old.asset);
				}
			}
			AssetRoutes::<T>::insert(&route.asset, (chain, contract.clone()));
			Routes::<T>::insert(chain, &contract, route.clone());
			Self::deposit_event(Event::RouteSet { chain, contract, route });
			Ok(())
		}

		/// Remove the route of `contract` on `chain`: its POSTs are refused from now on.
		///
		/// * Who: [`Config::RouteOrigin`].
		/// * Events: [`Event::RouteRemoved`].
		/// * Errors: [`Error::UnknownRoute`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_route())]
		pub fn remove_route(
			origin: OriginFor<T>,
			chain: Chain,
			contract: ContractId,
		) -> DispatchResult {
			T::RouteOrigin::ensure_origin(origin)?;
			let route = Routes::<T>::take(chain, &contract).ok_or(Error::<T>::UnknownRoute)?;
			AssetRoutes::<T>::remove(&route.asset);
			Self::deposit_event(Event::RouteRemoved { chain, contract });
			Ok(())
		}
	}
}

/// Why an incoming request was refused (the error ISMP reports; the request then times out at
/// the source).
#[derive(Debug, PartialEq)]
pub enum Refusal {
	/// Not addressed to this module.
	NotForUs,
	/// No whitelisted route for its source and contract.
	UnknownSource,
	/// The body is not an ABI-encoded `Message`, or `to`/`data` are malformed.
	MalformedBody,
	/// The amount does not scale exactly into `u128` local units.
	Amount,
	/// The vault or the token refused the deposit.
	Refused(DispatchError),
}

impl core::fmt::Display for Refusal {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(f, "collateral bridge refused the request: {self:?}")
	}
}

impl<T: Config> Pallet<T> {
	/// The bridge's invariant: the two route maps agree — every whitelisted contract's asset
	/// goes back to exactly that contract, and every asset's way back is a whitelisted route.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		for (chain, contract, route) in Routes::<T>::iter() {
			frame_support::ensure!(
				AssetRoutes::<T>::get(&route.asset) == Some((chain, contract)),
				"a route's asset does not go back to it"
			);
		}
		for (asset, (chain, contract)) in AssetRoutes::<T>::iter() {
			frame_support::ensure!(
				Routes::<T>::get(chain, &contract).is_some_and(|r| r.asset == asset),
				"an asset's way back is not a whitelisted route"
			);
		}
		Ok(())
	}

	/// Decode a body into (beneficiary, sub-account, amount as sent).
	fn parse(body: &[u8]) -> Result<(T::AccountId, u8, U256), Refusal> {
		let message = Message::from_body(body).ok_or(Refusal::MalformedBody)?;
		if message.to.len() != 32 {
			return Err(Refusal::MalformedBody);
		}
		let owner =
			T::AccountId::decode(&mut &message.to[..]).map_err(|_| Refusal::MalformedBody)?;
		let sub = match message.data.as_ref() {
			[] => 0,
			[sub] => *sub,
			_ => return Err(Refusal::MalformedBody),
		};
		Ok((owner, sub, message.amount))
	}

	/// The whitelisted route of `contract` on `chain`.
	fn route_of(
		chain: Chain,
		contract: &[u8],
	) -> Result<(ContractId, Route<T::AssetKind>), Refusal> {
		let contract =
			ContractId::try_from(contract.to_vec()).map_err(|_| Refusal::UnknownSource)?;
		let route = Routes::<T>::get(chain, &contract).ok_or(Refusal::UnknownSource)?;
		Ok((contract, route))
	}

	/// Mint `amount` of `asset` into `account`'s owner's wallet and credit it to `account`
	/// through the vaults' deposit entry point (a refund through the refund one, which no
	/// status or cap can refuse), all or nothing.
	fn mint_and_credit(
		asset: &T::AssetKind,
		account: &MarginAccount<T::AccountId>,
		amount: u128,
		refund: bool,
	) -> Result<(), Refusal> {
		frame_support::storage::with_storage_layer(|| {
			<T::Assets as fungibles::Mutate<_>>::mint_into(asset.clone(), &account.owner, amount)?;
			if refund {
				T::Ledger::credit_refund(&account.owner, account, asset.clone(), amount)
			} else {
				T::Ledger::credit_deposit(&account.owner, account, asset.clone(), amount)
			}
		})
		.map_err(Refusal::Refused)
	}

	/// Credit a verified POST (see the crate docs). All or nothing.
	pub fn accept(request: &PostRequest) -> Result<(), Refusal> {
		if request.to.as_slice() != T::ModuleId::get().as_slice() {
			return Err(Refusal::NotForUs);
		}
		let chain = Chain(request.source);
		let (contract, route) = Self::route_of(chain, &request.from)?;
		let (owner, sub, remote) = Self::parse(&request.body)?;
		let amount = scale::to_local(remote, route.remote_decimals, route.local_decimals)
			.filter(|a| *a > 0)
			.ok_or(Refusal::Amount)?;
		let account = MarginAccount::new(owner, sub);
		Self::mint_and_credit(&route.asset, &account, amount, false)?;
		Self::deposit_event(Event::Deposited {
			chain,
			contract,
			account,
			asset: route.asset,
			amount,
		});
		Ok(())
	}

	/// Burn `amount` of `asset` from `owner`'s wallet and send it to `recipient` on the asset's
	/// route (the runtime's outbound route for ISMP destinations). Returns the commitment.
	pub fn send(
		owner: &T::AccountId,
		asset: T::AssetKind,
		amount: u128,
		recipient: ContractId,
	) -> Result<polkadot_sdk::sp_core::H256, DispatchError> {
		let (chain, contract) = AssetRoutes::<T>::get(&asset).ok_or(Error::<T>::UnknownRoute)?;
		let route = Routes::<T>::get(chain, &contract).ok_or(Error::<T>::UnknownRoute)?;
		let remote = scale::to_remote(amount, route.remote_decimals, route.local_decimals)
			.ok_or(Error::<T>::AmountNotConvertible)?;
		<T::Assets as fungibles::Mutate<_>>::burn_from(
			asset.clone(),
			owner,
			amount,
			Preservation::Expendable,
			Precision::Exact,
			Fortitude::Polite,
		)?;
		let body = Message {
			from: owner.encode().into(),
			to: recipient.to_vec().into(),
			amount: remote,
			data: Vec::new().into(),
		}
		.to_body();
		let commitment = T::Dispatcher::default()
			.dispatch_request(
				DispatchRequest::Post(DispatchPost {
					dest: chain.0,
					from: T::ModuleId::get().to_vec(),
					to: contract.to_vec(),
					timeout: route.timeout_secs,
					body,
				}),
				FeeMetadata { payer: owner.clone(), fee: 0 },
			)
			.map_err(|_| Error::<T>::DispatchFailed)?;
		Self::deposit_event(Event::Sent {
			owner: owner.clone(),
			asset,
			amount,
			chain,
			recipient,
			commitment,
		});
		Ok(commitment)
	}

	/// Mint a timed-out withdrawal back into its owner's cross-margin account.
	pub fn refund(request: &PostRequest) -> Result<(), Refusal> {
		if request.from.as_slice() != T::ModuleId::get().as_slice() {
			return Err(Refusal::NotForUs);
		}
		let chain = Chain(request.dest);
		let (_, route) = Self::route_of(chain, &request.to)?;
		let message = Message::from_body(&request.body).ok_or(Refusal::MalformedBody)?;
		let owner =
			T::AccountId::decode(&mut &message.from[..]).map_err(|_| Refusal::MalformedBody)?;
		let amount = scale::to_local(message.amount, route.remote_decimals, route.local_decimals)
			.ok_or(Refusal::Amount)?;
		Self::mint_and_credit(&route.asset, &MarginAccount::new(owner.clone(), 0), amount, true)?;
		Self::deposit_event(Event::Refunded { owner, asset: route.asset, amount, chain });
		Ok(())
	}
}

/// The ISMP module (route requests addressed to [`Config::ModuleId`] here).
pub struct CollateralModule<T>(core::marker::PhantomData<T>);
impl<T> Default for CollateralModule<T> {
	fn default() -> Self {
		Self(core::marker::PhantomData)
	}
}

impl<T: Config> IsmpModule for CollateralModule<T> {
	fn on_accept(&self, request: PostRequest) -> Result<Weight, anyhow::Error> {
		Pallet::<T>::accept(&request).map_err(|refusal| anyhow::anyhow!("{refusal}"))?;
		Ok(T::WeightInfo::on_accept())
	}

	fn on_timeout(&self, request: Request) -> Result<Weight, anyhow::Error> {
		match request {
			Request::Post(post) => {
				Pallet::<T>::refund(&post).map_err(|refusal| anyhow::anyhow!("{refusal}"))?
			},
			Request::Get(_) => Err(anyhow::anyhow!("the collateral bridge sends no GET"))?,
		}
		Ok(T::WeightInfo::on_timeout())
	}
}

/// Boxes the module for an `IsmpRouter`.
pub fn module<T: Config>() -> Box<dyn IsmpModule> {
	Box::new(CollateralModule::<T>::default())
}

/// The vaults' outbound route for ISMP destinations: `vaults.withdraw_to` with a recipient
/// (an address on the asset's route chain) ends in [`Pallet::send`].
pub struct IsmpOutbound<T>(core::marker::PhantomData<T>);
impl<T: Config> clearinghouse_primitives::collateral::OutboundTransfer<T::AccountId, T::AssetKind>
	for IsmpOutbound<T>
{
	type Destination = ContractId;

	fn transfer(
		from: &T::AccountId,
		asset: T::AssetKind,
		amount: u128,
		to: ContractId,
	) -> polkadot_sdk::sp_runtime::DispatchResult {
		Pallet::<T>::send(from, asset, amount, to).map(|_| ())
	}
}
