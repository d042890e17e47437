//! The bridge through the real ISMP pipeline: every request enters by
//! `pallet_ismp::handle_unsigned`, is verified by the (mock) consensus client and routed to the
//! bridge; every refusal is checked to mint nothing.

use crate::{mock::*, scale, Chain, Error, Event, Message, Route};
use alloc::{vec, vec::Vec};
use alloy_primitives::U256;
use alloy_sol_types::SolValue;
use ismp::{
	messaging::{Message as IsmpMessage, Proof, RequestMessage, TimeoutMessage},
	router::{PostRequest, Request},
};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, traits::fungibles::Inspect},
	sp_runtime::DispatchError,
};

fn body(to: &[u8], amount: U256, data: Vec<u8>) -> Vec<u8> {
	Message { from: vec![7u8; 20].into(), to: to.to_vec().into(), amount, data: data.into() }
		.abi_encode()
}

/// `whole` tokens in the EVM contract's 18 decimals.
fn wei(whole: u128) -> U256 {
	U256::from(whole) * U256::from(10u128.pow(18))
}

fn post(from: &[u8], body: Vec<u8>, nonce: u64) -> PostRequest {
	PostRequest {
		source: EVM,
		dest: HostStateMachine::get(),
		nonce,
		from: from.to_vec(),
		to: BridgeModuleId::get().to_vec(),
		timeout_timestamp: 0,
		body,
	}
}

/// Deliver `request` as a relayer would, through `pallet_ismp::handle_unsigned`.
fn deliver(request: PostRequest) -> Result<(), DispatchError> {
	Ismp::handle_unsigned(
		RuntimeOrigin::none(),
		vec![IsmpMessage::Request(RequestMessage {
			requests: vec![request],
			proof: Proof { height: evm_height(PROOF_HEIGHT), proof: vec![] },
			signer: vec![],
		})],
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

fn margin(sub: u8) -> i128 {
	Vaults::balance_of(&crate::MarginAccount::new(alice(), sub), 0)
}

fn issuance() -> u128 {
	Assets::total_issuance(USDC)
}

#[test]
fn a_deposit_from_the_whitelisted_contract_is_credited_to_the_margin_account() {
	build_and_execute(|| {
		let alice_bytes: [u8; 32] = alice().into();
		assert_ok!(deliver(post(&CONTRACT, body(&alice_bytes, wei(1_000), vec![2]), 0)));
		// 1,000 tokens of 18 decimals are 1,000 USDC of 6 here, in sub-account 2.
		assert_eq!(margin(2), (1_000 * USDC_UNIT) as i128);
		assert_eq!(issuance(), 1_000 * USDC_UNIT);
		assert_eq!(Assets::balance(USDC, Vaults::vault_account()), 1_000 * USDC_UNIT);
		assert_eq!(Assets::balance(USDC, alice()), 0);
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Bridge(Event::Deposited {
				chain: Chain(EVM),
				contract: CONTRACT.to_vec().try_into().unwrap(),
				account: crate::MarginAccount::new(alice(), 2),
				asset: USDC,
				amount: 1_000 * USDC_UNIT,
			})));
		Vaults::do_try_state().unwrap();
		Bridge::do_try_state().unwrap();
	});
}

#[test]
fn refused_deposits_mint_nothing() {
	build_and_execute(|| {
		let alice_bytes: [u8; 32] = alice().into();
		let good = body(&alice_bytes, wei(10), vec![]);
		use crate::Refusal::*;
		let cases: Vec<(&str, PostRequest, crate::Refusal)> = vec![
			("unknown contract", post(&[0xCD; 20], good.clone(), 1), UnknownSource),
			(
				"unknown source chain",
				PostRequest {
					source: ismp::host::StateMachine::Evm(2),
					..post(&CONTRACT, good.clone(), 2)
				},
				UnknownSource,
			),
			("malformed body", post(&CONTRACT, vec![1, 2, 3], 3), MalformedBody),
			(
				"beneficiary not 32 bytes",
				post(&CONTRACT, body(&[1; 20], wei(10), vec![]), 4),
				MalformedBody,
			),
			(
				"two bytes of data",
				post(&CONTRACT, body(&alice_bytes, wei(10), vec![0, 1]), 5),
				MalformedBody,
			),
			(
				"amount overflows u128",
				post(&CONTRACT, body(&alice_bytes, U256::MAX, vec![]), 6),
				Amount,
			),
			(
				"amount below one local unit",
				post(&CONTRACT, body(&alice_bytes, U256::from(1u8), vec![]), 7),
				Amount,
			),
			("zero amount", post(&CONTRACT, body(&alice_bytes, U256::ZERO, vec![]), 8), Amount),
			(
				"over the vault's cap",
				post(&CONTRACT, body(&alice_bytes, wei(2_000_000), vec![]), 9),
				Refused(pallet_clearinghouse_vaults::Error::<Test>::DepositCapExceeded.into()),
			),
			(
				"sub-account out of range",
				post(&CONTRACT, body(&alice_bytes, wei(10), vec![9]), 10),
				Refused(pallet_clearinghouse_vaults::Error::<Test>::SubAccountOutOfRange.into()),
			),
			(
				"addressed to another module",
				PostRequest { to: b"othermod".to_vec(), ..post(&CONTRACT, good.clone(), 11) },
				NotForUs,
			),
		];
		for (case, request, refusal) in cases {
			// The bridge's own verdict, each a distinct reason...
			assert_eq!(Bridge::accept(&request), Err(refusal), "{case}");
			// ...and through ISMP: the batch fails as a whole (the relayer's transaction is
			// invalid), nothing is written, and the request times out at the source.
			if case != "addressed to another module" {
				assert!(deliver(request).is_err(), "{case} was accepted");
			}
			assert_eq!(issuance(), 0, "{case} minted");
			assert_eq!(margin(0), 0, "{case} credited");
		}
	});
}

#[test]
fn routes_are_governed() {
	build_and_execute(|| {
		let other: crate::ContractId = vec![0xEE; 20].try_into().unwrap();
		let route = Route { asset: USDC, remote_decimals: 18, local_decimals: 6, timeout_secs: 60 };
		assert_noop!(
			Bridge::set_route(
				RuntimeOrigin::signed(alice()),
				Chain(EVM),
				other.clone(),
				route.clone()
			),
			DispatchError::BadOrigin
		);
		// Audit 11: a route is mint authority; only an asset the bridge alone mints may have one.
		assert_noop!(
			Bridge::set_route(
				RuntimeOrigin::root(),
				Chain(EVM),
				other.clone(),
				Route { asset: NOT_BRIDGED, ..route.clone() }
			),
			Error::<Test>::NotBridgeMinted
		);
		// USDC already goes back to CONTRACT.
		assert_noop!(
			Bridge::set_route(RuntimeOrigin::root(), Chain(EVM), other.clone(), route.clone()),
			Error::<Test>::AssetRouted
		);
		assert_noop!(
			Bridge::set_route(
				RuntimeOrigin::root(),
				Chain(EVM),
				other.clone(),
				Route { asset: 9, remote_decimals: 39, ..route.clone() }
			),
			Error::<Test>::InvalidDecimals
		);
		assert_noop!(
			Bridge::remove_route(RuntimeOrigin::root(), Chain(EVM), other),
			Error::<Test>::UnknownRoute
		);
		assert_ok!(Bridge::remove_route(
			RuntimeOrigin::root(),
			Chain(EVM),
			CONTRACT.to_vec().try_into().unwrap()
		));
		// Its POSTs are refused now, and the maps agree.
		let alice_bytes: [u8; 32] = alice().into();
		assert!(deliver(post(&CONTRACT, body(&alice_bytes, wei(1), vec![]), 0)).is_err());
		Bridge::do_try_state().unwrap();
		assert!(crate::AssetRoutes::<Test>::get(USDC).is_none());
	});
}

/// Alice deposits 1,000 USDC by ISMP, then withdraws 400 back to `recipient` on the EVM chain
/// through `vaults.withdraw_to`. Returns the request as dispatched.
fn withdraw_400() -> PostRequest {
	let alice_bytes: [u8; 32] = alice().into();
	assert_ok!(deliver(post(&CONTRACT, body(&alice_bytes, wei(1_000), vec![]), 0)));
	let recipient: crate::ContractId = vec![0x42; 20].try_into().unwrap();
	assert_ok!(Vaults::withdraw_to(
		RuntimeOrigin::signed(alice()),
		0,
		400 * USDC_UNIT,
		0,
		recipient.clone()
	));
	let nonce = System::events()
		.iter()
		.find_map(|r| match &r.event {
			RuntimeEvent::Ismp(pallet_ismp::Event::Request { request_nonce, .. }) => {
				Some(*request_nonce)
			},
			_ => None,
		})
		.expect("the bridge dispatched a request");
	PostRequest {
		source: HostStateMachine::get(),
		dest: EVM,
		nonce,
		from: BridgeModuleId::get().to_vec(),
		to: CONTRACT.to_vec(),
		timeout_timestamp: NOW_MS / 1000 + 3_600,
		body: Message {
			from: alice_bytes.to_vec().into(),
			to: recipient.to_vec().into(),
			amount: wei(400),
			data: Vec::new().into(),
		}
		.abi_encode(),
	}
}

#[test]
fn a_withdrawal_burns_and_dispatches_the_right_post() {
	build_and_execute(|| {
		let request = withdraw_400();
		// The commitment pallet-ismp recorded is the hash of exactly this request: the body
		// names Alice, the recipient and 400 tokens in 18 decimals; timeout one hour from now.
		let commitment = ismp::messaging::hash_request::<Ismp>(&Request::Post(request.clone()));
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::Ismp(pallet_ismp::Event::Request { commitment: c, .. }) if *c == commitment
		)));
		assert_eq!(margin(0), (600 * USDC_UNIT) as i128);
		assert_eq!(issuance(), 600 * USDC_UNIT, "the withdrawn tokens are burnt");
		assert_eq!(Assets::balance(USDC, alice()), 0);
	});
}

#[test]
fn a_timed_out_withdrawal_is_refunded_to_the_cross_margin_account() {
	build_and_execute(|| {
		let request = withdraw_400();
		// Too early: the EVM chain's latest verified time is before the timeout.
		let timeout = |height| {
			Ismp::handle_unsigned(
				RuntimeOrigin::none(),
				vec![IsmpMessage::Timeout(TimeoutMessage::Post {
					requests: vec![request.clone()],
					timeout_proof: Proof { height: evm_height(height), proof: vec![] },
				})],
			)
		};
		assert!(timeout(PROOF_HEIGHT).is_err());
		assert_eq!(issuance(), 600 * USDC_UNIT);
		// A later commitment past the timeout proves it was never received.
		commit_evm_state(PROOF_HEIGHT + 1, request.timeout_timestamp + 1);
		assert_ok!(timeout(PROOF_HEIGHT + 1));
		assert_eq!(margin(0), (1_000 * USDC_UNIT) as i128);
		assert_eq!(issuance(), 1_000 * USDC_UNIT);
		assert!(System::events().iter().any(|r| r.event
			== RuntimeEvent::Bridge(Event::Refunded {
				owner: alice(),
				asset: USDC,
				amount: 400 * USDC_UNIT,
				chain: Chain(EVM),
			})));
		// And only once.
		assert!(timeout(PROOF_HEIGHT + 1).is_err());
		assert_eq!(issuance(), 1_000 * USDC_UNIT);
	});
}

#[test]
fn amounts_scale_exactly_or_not_at_all() {
	assert_eq!(scale::to_local(wei(5), 18, 6), Some(5 * USDC_UNIT));
	assert_eq!(scale::to_local(U256::from(1u8), 18, 6), None);
	assert_eq!(scale::to_local(U256::MAX, 18, 6), None);
	assert_eq!(scale::to_local(U256::from(5u8), 6, 18), Some(5 * 10u128.pow(12)));
	assert_eq!(scale::to_remote(5 * USDC_UNIT, 18, 6), Some(wei(5)));
	assert_eq!(scale::to_remote(5, 6, 18), None);
	assert_eq!(scale::to_remote(5 * 10u128.pow(12), 6, 18), Some(U256::from(5u8)));
}

/// Audit 13: re-pointing a contract at another asset left the old asset's way back pointing at
/// the contract (withdrawals of the old asset would have gone to a contract that no longer
/// mints it). Now the old reverse route goes with it.
#[test]
fn re_pointing_a_contract_drops_the_old_assets_way_back() {
	build_and_execute(|| {
		let contract: crate::ContractId = CONTRACT.to_vec().try_into().unwrap();
		let route = Route { asset: 9, remote_decimals: 18, local_decimals: 6, timeout_secs: 60 };
		assert_ok!(Bridge::set_route(RuntimeOrigin::root(), Chain(EVM), contract.clone(), route));
		assert!(crate::AssetRoutes::<Test>::get(USDC).is_none());
		assert_eq!(crate::AssetRoutes::<Test>::get(9), Some((Chain(EVM), contract)));
		Bridge::do_try_state().unwrap();
	});
}

/// Audit 10: a timed-out withdrawal was refunded through the deposit path, so an asset set to
/// withdraw-only (or a full deposit cap) refused the refund and the burnt amount was stranded.
/// Refunds now bypass status and caps.
#[test]
fn a_refund_is_credited_even_when_deposits_are_closed() {
	use pallet_clearinghouse_vaults::{CollateralStatus, Collaterals};
	build_and_execute(|| {
		let request = withdraw_400();
		// Governance closes deposits (withdraw-only) and the cap is already met.
		Collaterals::<Test>::mutate(0, |info| {
			let info = info.as_mut().unwrap();
			info.config.status = CollateralStatus::WithdrawOnly;
			info.config.deposit_cap = info.held;
		});
		// A new deposit is refused ...
		let alice_bytes: [u8; 32] = alice().into();
		assert!(deliver(post(&CONTRACT, body(&alice_bytes, wei(1), vec![]), 1)).is_err());
		// ... the refund is not.
		commit_evm_state(PROOF_HEIGHT + 1, request.timeout_timestamp + 1);
		assert_ok!(Ismp::handle_unsigned(
			RuntimeOrigin::none(),
			vec![IsmpMessage::Timeout(TimeoutMessage::Post {
				requests: vec![request.clone()],
				timeout_proof: Proof { height: evm_height(PROOF_HEIGHT + 1), proof: vec![] },
			})],
		));
		assert_eq!(margin(0), (1_000 * USDC_UNIT) as i128);
		assert_eq!(issuance(), 1_000 * USDC_UNIT);
		pallet_clearinghouse_vaults::Pallet::<Test>::do_try_state().unwrap();
	});
}
