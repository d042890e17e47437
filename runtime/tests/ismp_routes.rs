//! The ISMP collateral route on the real runtime: its router hands a POST from the whitelisted
//! contract to the collateral bridge, which credits the vault; `vaults.withdrawTo` with an ISMP
//! destination dispatches a POST through the runtime's `pallet-ismp`; its timeout refunds.
//!
//! What is under test here is the runtime's wiring (module id, router, assets, vaults, host
//! state machine, route origin). Proof verification is a consensus client's job: the bridge
//! pallet's own tests deliver every request through `pallet_ismp::handle_unsigned` and a mock
//! client; the runtime's client (`ismp-parachain`) needs real relay-chain proofs.

mod common;

use clearinghouse_runtime::{
	configs::{
		ismp::{test_bridged_asset, BridgeModuleId, HostStateMachine, Router},
		vaults::{CollateralAsset, WithdrawalDestination},
	},
	genesis_config_presets::{DEV_USD_ASSET, DEV_USD_UNIT},
	AccountId, Assets, Bridge, Runtime, RuntimeEvent, RuntimeOrigin, System, Vaults,
};
use common::ext_from_preset;
use ismp::{
	host::StateMachine,
	router::{IsmpRouter, PostRequest, Request},
};
use pallet_clearinghouse_bridge::{Chain, ContractId, Event as BridgeEvent, Message, Route, U256};
use pallet_clearinghouse_origins::Origin as TrackOrigin;
use pallet_clearinghouse_vaults::MarginAccount;
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::{fungibles::Inspect, Get},
	},
	sp_keyring::Sr25519Keyring,
	sp_runtime::DispatchError,
};

/// The bridge-issued stablecoin's `Assets` id (see `test_bridged_asset`).
const BRIDGED_ID: u32 = 1984;
const ETHEREUM: StateMachine = StateMachine::Evm(1);
/// Unix time of the test block, in milliseconds.
const NOW_MS: u64 = 1_790_000_000_000;

fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

fn token_contract() -> ContractId {
	vec![0xabu8; 20].try_into().unwrap()
}

/// `whole` tokens in the EVM token's 18 decimals.
fn wei(whole: u128) -> U256 {
	U256::from(whole) * U256::from(10u128.pow(18))
}

/// The bridge-issued stablecoin (owner and issuer the bridge's account, 6 decimals).
fn usd() -> CollateralAsset {
	CollateralAsset::Local(BRIDGED_ID)
}

/// Its collateral id in the vaults.
fn usd_collateral() -> u16 {
	pallet_clearinghouse_vaults::CollateralIdOf::<Runtime>::get(usd()).unwrap()
}

fn margin(who: AccountId, sub: u8) -> i128 {
	Vaults::balance_of(&MarginAccount::new(who, sub), usd_collateral())
}

fn usd_issuance() -> u128 {
	Assets::total_issuance(BRIDGED_ID)
}

/// The dev chain at `NOW_MS` with a bridge-issued stablecoin registered as collateral and
/// Ethereum's token contract routed to it by a root referendum.
fn with_route(test: impl FnOnce()) {
	ext_from_preset("development").execute_with(|| {
		// Written directly: `Timestamp::set` would also have Aura check the slot.
		polkadot_sdk::pallet_timestamp::Now::<Runtime>::put(NOW_MS);
		assert_eq!(test_bridged_asset(), usd());
		let route =
			Route { asset: usd(), remote_decimals: 18, local_decimals: 6, timeout_secs: 3_600 };
		// A route is mint authority: neither a signed account nor the short risk-admin
		// track may set one (audit 11) ...
		for origin in [RuntimeOrigin::signed(alice()), TrackOrigin::RiskAdmin.into()] {
			assert_noop!(
				Bridge::set_route(origin, Chain(ETHEREUM), token_contract(), route.clone()),
				DispatchError::BadOrigin
			);
		}
		// ... nor may root route an asset the bridge does not alone mint: the settlement
		// stablecoin or the native token.
		for asset in [CollateralAsset::Local(DEV_USD_ASSET), CollateralAsset::Native] {
			assert_noop!(
				Bridge::set_route(
					RuntimeOrigin::root(),
					Chain(ETHEREUM),
					token_contract(),
					Route { asset, ..route.clone() }
				),
				pallet_clearinghouse_bridge::Error::<Runtime>::NotBridgeMinted
			);
		}
		assert_ok!(Bridge::set_route(
			RuntimeOrigin::root(),
			Chain(ETHEREUM),
			token_contract(),
			route
		));
		test();
		Vaults::do_try_state().unwrap();
		Bridge::do_try_state().unwrap();
	});
}

/// A POST from `from` on Ethereum carrying `message`, addressed to the bridge module here.
fn incoming(from: &[u8], message: Message) -> PostRequest {
	PostRequest {
		source: ETHEREUM,
		dest: HostStateMachine::get(),
		nonce: 0,
		from: from.to_vec(),
		to: BridgeModuleId::get().to_vec(),
		timeout_timestamp: 0,
		body: message.to_body(),
	}
}

fn deposit_to(who: &AccountId, sub: u8, amount: U256) -> Message {
	Message {
		from: vec![7u8; 20].into(),
		to: AsRef::<[u8; 32]>::as_ref(who).to_vec().into(),
		amount,
		data: vec![sub].into(),
	}
}

#[test]
fn the_runtime_router_delivers_a_routed_post_into_the_margin_account() {
	with_route(|| {
		let before = (margin(bob(), 3), usd_issuance());
		let module = Router.module_for_id(BridgeModuleId::get().to_vec()).unwrap();
		assert_ok!(module.on_accept(incoming(&token_contract(), deposit_to(&bob(), 3, wei(250)))));
		// 250 tokens of 18 decimals are 250 USD of 6, minted here and in Bob's sub-account 3.
		assert_eq!(margin(bob(), 3), before.0 + (250 * DEV_USD_UNIT) as i128);
		assert_eq!(usd_issuance(), before.1 + 250 * DEV_USD_UNIT);
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Bridge(BridgeEvent::Deposited {
				chain: Chain(ETHEREUM),
				contract: token_contract(),
				account: MarginAccount::new(bob(), 3),
				asset: usd(),
				amount: 250 * DEV_USD_UNIT,
			})));
	});
}

#[test]
fn the_runtime_router_refuses_unknown_modules_and_unrouted_contracts_and_mints_nothing() {
	with_route(|| {
		let before = (margin(bob(), 0), usd_issuance());
		assert!(Router.module_for_id(b"clr/xxxx".to_vec()).is_err());
		let module = Router.module_for_id(BridgeModuleId::get().to_vec()).unwrap();
		// Another contract on the routed chain, and the routed contract on another chain.
		let stranger = vec![0xcdu8; 20];
		assert!(module.on_accept(incoming(&stranger, deposit_to(&bob(), 0, wei(1)))).is_err());
		let mut elsewhere = incoming(&token_contract(), deposit_to(&bob(), 0, wei(1)));
		elsewhere.source = StateMachine::Evm(56);
		assert!(module.on_accept(elsewhere).is_err());
		assert_eq!((margin(bob(), 0), usd_issuance()), before);
	});
}

#[test]
fn an_ismp_withdrawal_dispatches_the_right_post_and_its_timeout_refunds() {
	with_route(|| {
		let module = Router.module_for_id(BridgeModuleId::get().to_vec()).unwrap();
		assert_ok!(
			module.on_accept(incoming(&token_contract(), deposit_to(&alice(), 0, wei(1_000))))
		);
		assert_eq!(margin(alice(), 0), (1_000 * DEV_USD_UNIT) as i128);
		let issuance = usd_issuance();
		let recipient: ContractId = vec![0x42u8; 20].try_into().unwrap();
		assert_ok!(Vaults::withdraw_to(
			RuntimeOrigin::signed(alice()),
			usd_collateral(),
			400 * DEV_USD_UNIT,
			0,
			Box::new(WithdrawalDestination::Ismp(recipient.clone())),
		));
		assert_eq!(margin(alice(), 0), (600 * DEV_USD_UNIT) as i128);
		assert_eq!(usd_issuance(), issuance - 400 * DEV_USD_UNIT, "burnt here");

		// The request pallet-ismp committed to is exactly this one: from the bridge module
		// here to the token contract, an hour's timeout, the body naming Alice, the recipient
		// and 400 tokens in 18 decimals.
		let request = PostRequest {
			source: HostStateMachine::get(),
			dest: ETHEREUM,
			nonce: 0,
			from: BridgeModuleId::get().to_vec(),
			to: token_contract().to_vec(),
			timeout_timestamp: NOW_MS / 1_000 + 3_600,
			body: Message {
				from: AsRef::<[u8; 32]>::as_ref(&alice()).to_vec().into(),
				to: recipient.to_vec().into(),
				amount: wei(400),
				data: Vec::new().into(),
			}
			.to_body(),
		};
		let commitment = ismp::messaging::hash_request::<clearinghouse_runtime::Ismp>(
			&Request::Post(request.clone()),
		);
		let events: Vec<_> = System::events().into_iter().map(|r| r.event).collect();
		assert!(events.contains(&RuntimeEvent::Ismp(pallet_ismp::Event::Request {
			dest_chain: ETHEREUM,
			source_chain: HostStateMachine::get(),
			request_nonce: 0,
			commitment,
		})));
		assert!(events.contains(&RuntimeEvent::Bridge(BridgeEvent::Sent {
			owner: alice(),
			asset: usd(),
			amount: 400 * DEV_USD_UNIT,
			chain: Chain(ETHEREUM),
			recipient,
			commitment,
		})));
		assert!(pallet_ismp::child_trie::RequestCommitments::<Runtime>::contains_key(commitment));

		// Never delivered: the timeout mints it back into Alice's cross-margin account.
		let module = Router.module_for_id(BridgeModuleId::get().to_vec()).unwrap();
		assert_ok!(module.on_timeout(Request::Post(request)));
		assert_eq!(margin(alice(), 0), (1_000 * DEV_USD_UNIT) as i128);
		assert_eq!(usd_issuance(), issuance);
	});
}
