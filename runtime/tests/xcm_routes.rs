//! Collateral in and out by XCM, in `xcm-simulator`: a relay chain, a sibling parachain that is
//! the reserve of USDT, and this runtime with its real XCM configuration (see `xcm_network`).
//! Every failure case asserts with balances that nothing was minted wrongly or lost.

mod common;
mod xcm_network;

use clearinghouse_runtime::{
	configs::vaults::{CollateralAsset, WithdrawalDestination, XcmDestination},
	ForeignAssets, RuntimeEvent, RuntimeOrigin, System, Vaults,
};
use pallet_clearinghouse_vaults::{CollateralConfig, CollateralStatus, MarginAccount};
use polkadot_sdk::{
	frame_support::{assert_ok, traits::fungibles::Inspect},
	pallet_xcm,
	sp_core::TypedGet,
	sp_keyring::Sr25519Keyring,
	sp_runtime::{AccountId32 as AccountId, Permill},
	staging_xcm::{latest::prelude::*, VersionedAssets, VersionedLocation, VersionedXcm},
	staging_xcm_executor::traits::ConvertLocation,
	xcm_simulator::TestExt,
};
use xcm_network::{forward_outbound, sibling, Clearinghouse, Network, Sibling, CLEARINGHOUSE_ID};

const USDT_UNIT: u128 = 1_000_000;

fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

/// Who holds USDT on the sibling at genesis.
pub fn holders() -> Vec<AccountId> {
	vec![alice(), bob()]
}

/// USDT as this chain names it.
fn usdt_here() -> Location {
	Location::new(
		1,
		[
			Parachain(sibling::SIBLING_ID),
			PalletInstance(sibling::ASSETS_PALLET_INDEX),
			GeneralIndex(sibling::USDT.into()),
		],
	)
}

/// An asset of the sibling's `Assets` as the sibling names it.
fn sibling_local(id: u32) -> Location {
	Location::new(0, [PalletInstance(sibling::ASSETS_PALLET_INDEX), GeneralIndex(id.into())])
}

/// The margin-account beneficiary convention: the vaults pallet, the account, the sub-account.
fn margin_beneficiary(who: &AccountId, sub: u128) -> Location {
	Location::new(
		0,
		[
			PalletInstance(71),
			Junction::AccountId32 { network: None, id: who.clone().into() },
			GeneralIndex(sub),
		],
	)
}

/// This chain's sovereign account on the sibling.
fn our_sovereign_on_sibling() -> AccountId {
	sibling::LocationToAccountId::convert_location(&Location::new(1, [Parachain(CLEARINGHOUSE_ID)]))
		.unwrap()
}

fn usdt_collateral() -> u16 {
	pallet_clearinghouse_vaults::CollateralIdOf::<clearinghouse_runtime::Runtime>::get(
		CollateralAsset::Foreign(usdt_here()),
	)
	.expect("USDT is registered")
}

/// Register USDT here in one governance call (what one `root` referendum enacts): a
/// `ForeignAssets` asset owned by the sibling's sovereign account (only the reserve may mint
/// its derivative), minimum balance 0.01 USDT (which also prices XCM fees paid in it), the
/// sibling as its only trusted reserve, and vault collateral with a deposit cap of `cap`.
fn register_usdt(cap: u128) {
	use clearinghouse_runtime::{OriginCaller, RuntimeCall};
	use polkadot_sdk::{
		frame_support::traits::UnfilteredDispatchable, frame_system, pallet_assets, pallet_utility,
	};
	Clearinghouse::execute_with(|| {
		let sibling_sovereign = clearinghouse_xcm_config::LocationToAccountId::convert_location(
			&Location::new(1, [Parachain(sibling::SIBLING_ID)]),
		)
		.unwrap();
		let reserves = vec![(Location::new(1, [Parachain(sibling::SIBLING_ID)]), false).into()]
			.try_into()
			.unwrap();
		let calls = vec![
			RuntimeCall::ForeignAssets(pallet_assets::Call::force_create {
				id: usdt_here(),
				owner: sibling_sovereign.clone().into(),
				is_sufficient: true,
				min_balance: sibling::USDT_MIN_BALANCE,
			}),
			RuntimeCall::Utility(pallet_utility::Call::dispatch_as {
				as_origin: Box::new(OriginCaller::system(frame_system::RawOrigin::Signed(
					sibling_sovereign,
				))),
				call: Box::new(RuntimeCall::ForeignAssets(pallet_assets::Call::set_reserves {
					id: usdt_here(),
					reserves,
				})),
			}),
			RuntimeCall::Vaults(pallet_clearinghouse_vaults::Call::register_collateral {
				asset: CollateralAsset::Foreign(usdt_here()),
				config: CollateralConfig {
					oracle_key: clearinghouse_primitives::OracleKey::from_symbol("USDT").unwrap(),
					decimals: 6,
					haircut: Permill::from_percent(2),
					deposit_cap: cap,
					account_cap: cap,
					status: CollateralStatus::Active,
				},
			}),
		];
		assert_ok!(pallet_utility::Call::<clearinghouse_runtime::Runtime>::batch_all { calls }
			.dispatch_bypass_filter(RuntimeOrigin::root()));
		assert!(ForeignAssets::asset_exists(usdt_here()));
		assert!(pallet_clearinghouse_vaults::CollateralIdOf::<clearinghouse_runtime::Runtime>::contains_key(
			CollateralAsset::Foreign(usdt_here())
		));
	});
}

/// Alice, on the sibling, reserve-transfers `amount` of sibling asset `id` to `beneficiary` here.
fn send_from_sibling(id: u32, amount: u128, beneficiary: Location) {
	Sibling::execute_with(|| {
		assert_ok!(sibling::PolkadotXcm::transfer_assets(
			sibling::RuntimeOrigin::signed(alice()),
			Box::new(VersionedLocation::from(Location::new(1, [Parachain(CLEARINGHOUSE_ID)]))),
			Box::new(VersionedLocation::from(beneficiary)),
			Box::new(VersionedAssets::from(Assets::from(vec![(sibling_local(id), amount).into()]))),
			0,
			WeightLimit::Unlimited,
		));
	});
}

/// The sibling chain itself (root there) sends `message` here.
fn send_as_sibling(message: Xcm<()>) {
	assert_ok!(sibling::PolkadotXcm::send(
		sibling::RuntimeOrigin::root(),
		Box::new(VersionedLocation::from(Location::new(1, [Parachain(CLEARINGHOUSE_ID)]))),
		Box::new(VersionedXcm::from(message)),
	));
}

fn sibling_usdt(who: &AccountId) -> u128 {
	Sibling::execute_with(|| sibling::Assets::balance(sibling::USDT, who))
}

/// `who`'s account on the sibling, as a withdrawal destination.
fn back_to_sibling(who: &AccountId) -> Box<WithdrawalDestination> {
	Box::new(WithdrawalDestination::Xcm(XcmDestination {
		chain: Location::new(1, [Parachain(sibling::SIBLING_ID)]).into(),
		beneficiary: Location::new(
			0,
			[Junction::AccountId32 { network: None, id: who.clone().into() }],
		)
		.into(),
	}))
}

fn events_here() -> Vec<RuntimeEvent> {
	System::events().into_iter().map(|r| r.event).collect()
}

fn trapped_here() -> Vec<Assets> {
	events_here()
		.into_iter()
		.filter_map(|e| match e {
			RuntimeEvent::PolkadotXcm(pallet_xcm::Event::AssetsTrapped { assets, .. }) => {
				Some(Assets::try_from(assets).unwrap())
			},
			_ => None,
		})
		.collect()
}

fn xcm_fees_collected() -> u128 {
	ForeignAssets::balance(usdt_here(), clearinghouse_xcm_config::XcmFeesAccount::get())
}

#[test]
fn a_reserve_transfer_lands_in_the_margin_account_in_one_message() {
	Network::reset();
	register_usdt(u128::MAX / 4);
	let amount = 1_000 * USDT_UNIT;
	send_from_sibling(sibling::USDT, amount, margin_beneficiary(&alice(), 2));

	// The sibling moved the USDT into this chain's sovereign account there (the reserve).
	assert_eq!(sibling_usdt(&our_sovereign_on_sibling()), amount);
	Clearinghouse::execute_with(|| {
		let collateral = usdt_collateral();
		let fee = xcm_fees_collected();
		assert!(fee > 0 && fee < USDT_UNIT, "execution was paid in USDT: {fee}");
		// Everything else is in Alice's isolated sub-account 2, through the vault.
		let credited = Vaults::balance_of(&MarginAccount::new(alice(), 2), collateral);
		assert_eq!(credited, (amount - fee) as i128);
		assert_eq!(ForeignAssets::balance(usdt_here(), Vaults::vault_account()), amount - fee);
		assert_eq!(ForeignAssets::balance(usdt_here(), alice()), 0, "nothing left in the wallet");
		assert_eq!(ForeignAssets::total_issuance(usdt_here()), amount, "minted exactly once");
		assert!(events_here().iter().any(|e| matches!(
			e,
			RuntimeEvent::Vaults(pallet_clearinghouse_vaults::Event::Deposited { owner, sub: 2, amount: a, .. })
				if *owner == alice() && *a == amount - fee
		)));
		assert!(trapped_here().is_empty());
	});
}

#[test]
fn a_deposit_the_vault_refuses_is_trapped_not_minted_and_can_be_claimed() {
	Network::reset();
	// A cap of 10 USDT: a 1,000 USDT deposit is refused by the vault.
	register_usdt(10 * USDT_UNIT);
	let amount = 1_000 * USDT_UNIT;
	send_from_sibling(sibling::USDT, amount, margin_beneficiary(&alice(), 0));

	let trapped = Clearinghouse::execute_with(|| {
		let collateral = usdt_collateral();
		assert_eq!(Vaults::balance_of(&MarginAccount::new(alice(), 0), collateral), 0);
		assert_eq!(ForeignAssets::balance(usdt_here(), alice()), 0, "the wallet credit was undone");
		assert_eq!(ForeignAssets::balance(usdt_here(), Vaults::vault_account()), 0);
		let fee = xcm_fees_collected();
		assert_eq!(fee, sibling::USDT_MIN_BALANCE, "the trader charges at least the minimum");
		// The fee is the only balance anyone holds here; the rest waits in the trap, still
		// counted in the issuance (a trap keeps its value, claimable).
		assert_eq!(ForeignAssets::total_issuance(usdt_here()), amount);
		let trapped = trapped_here();
		assert_eq!(trapped.len(), 1);
		assert_eq!(trapped[0].inner()[0].fun, Fungible(amount - fee));
		trapped[0].clone()
	});

	// The sibling (the trap's origin: the message cleared Alice's origin) claims it for Bob's
	// wallet here.
	Sibling::execute_with(|| {
		let message = Xcm::<()>(vec![
			ClaimAsset { assets: trapped.clone(), ticket: Here.into() },
			BuyExecution { fees: trapped.inner()[0].clone(), weight_limit: Unlimited },
			DepositAsset {
				assets: AllCounted(1).into(),
				beneficiary: Junction::AccountId32 { network: None, id: bob().into() }.into(),
			},
		]);
		send_as_sibling(message);
	});
	Clearinghouse::execute_with(|| {
		let bob_has = ForeignAssets::balance(usdt_here(), bob());
		assert!(bob_has > amount - USDT_UNIT && bob_has < amount, "claimed less a second fee");
		assert_eq!(ForeignAssets::total_issuance(usdt_here()), amount);
	});
}

#[test]
fn an_asset_from_an_untrusted_reserve_is_refused_and_stays_at_the_reserve() {
	Network::reset();
	register_usdt(u128::MAX / 4);
	// Another sibling asset, unknown here.
	Sibling::execute_with(|| {
		assert_ok!(sibling::Assets::force_create(
			sibling::RuntimeOrigin::root(),
			7,
			alice(),
			true,
			1,
		));
		assert_ok!(sibling::Assets::mint(
			sibling::RuntimeOrigin::signed(alice()),
			7,
			alice(),
			1_000_000,
		));
	});
	let unknown_here = Location::new(
		1,
		[
			Parachain(sibling::SIBLING_ID),
			PalletInstance(sibling::ASSETS_PALLET_INDEX),
			GeneralIndex(7),
		],
	);
	send_from_sibling(7, 1_000_000, margin_beneficiary(&alice(), 0));
	Clearinghouse::execute_with(|| {
		// The sibling is not a trusted reserve of an asset nobody registered: the message stops
		// at `ReserveAssetDeposited`, before anything enters the holding register. Nothing is
		// minted, so nothing is trapped here either.
		assert!(!ForeignAssets::asset_exists(unknown_here.clone()));
		assert!(trapped_here().is_empty());
		assert_eq!(ForeignAssets::total_issuance(usdt_here()), 0);
		assert!(events_here().iter().any(|e| matches!(
			e,
			RuntimeEvent::MessageQueue(polkadot_sdk::pallet_message_queue::Event::Processed {
				success: false,
				..
			})
		)));
	});
	// The tokens wait at the reserve, in this chain's sovereign account there: not lost, and
	// only this chain's governance can move them (a root XCM to the sibling).
	Sibling::execute_with(|| {
		assert_eq!(sibling::Assets::balance(7, our_sovereign_on_sibling()), 1_000_000);
		assert_eq!(sibling::Assets::balance(7, alice()), 0);
	});
}

#[test]
fn execution_paid_too_little_traps_the_asset_and_mints_nothing_to_the_margin_account() {
	Network::reset();
	register_usdt(u128::MAX / 4);
	let amount = 1_000 * USDT_UNIT;
	// The sibling's sovereign account here pays, with fees far below the trader's minimum.
	Sibling::execute_with(|| {
		let message = Xcm::<()>(vec![
			ReserveAssetDeposited((usdt_here(), amount).into()),
			ClearOrigin,
			BuyExecution { fees: (usdt_here(), 1u128).into(), weight_limit: Unlimited },
			DepositAsset {
				assets: AllCounted(1).into(),
				beneficiary: margin_beneficiary(&alice(), 0),
			},
		]);
		send_as_sibling(message);
	});
	Clearinghouse::execute_with(|| {
		// `BuyExecution` failed (`TooExpensive`): nothing reached the vault or a wallet, no fee
		// was taken, and the whole amount waits in the trap for the sibling to claim.
		assert_eq!(Vaults::balance_of(&MarginAccount::new(alice(), 0), usdt_collateral()), 0);
		assert_eq!(ForeignAssets::balance(usdt_here(), alice()), 0);
		assert_eq!(xcm_fees_collected(), 0);
		let trapped = trapped_here();
		assert_eq!(trapped.len(), 1);
		assert_eq!(trapped[0].inner()[0].fun, Fungible(amount));
	});
}

#[test]
fn unpaid_execution_is_stopped_by_the_barrier_and_mints_nothing() {
	Network::reset();
	register_usdt(u128::MAX / 4);
	// A sibling claims a reserve deposit without paying for execution.
	Sibling::execute_with(|| {
		let message = Xcm::<()>(vec![
			ReserveAssetDeposited((usdt_here(), 1_000 * USDT_UNIT).into()),
			ClearOrigin,
			DepositAsset {
				assets: AllCounted(1).into(),
				beneficiary: margin_beneficiary(&alice(), 0),
			},
		]);
		send_as_sibling(message);
	});
	Clearinghouse::execute_with(|| {
		assert_eq!(ForeignAssets::total_issuance(usdt_here()), 0);
		assert_eq!(Vaults::balance_of(&MarginAccount::new(alice(), 0), usdt_collateral()), 0);
		// The barrier refused it before execution: nothing was held, so nothing is trapped.
		assert!(trapped_here().is_empty());
		assert!(events_here().iter().any(|e| matches!(
			e,
			RuntimeEvent::MessageQueue(polkadot_sdk::pallet_message_queue::Event::Processed {
				success: false,
				..
			})
		)));
	});
}

#[test]
fn a_withdrawal_goes_back_to_the_reserve_and_arrives_on_the_sibling() {
	Network::reset();
	register_usdt(u128::MAX / 4);
	let amount = 1_000 * USDT_UNIT;
	send_from_sibling(sibling::USDT, amount, margin_beneficiary(&alice(), 0));
	let alice_on_sibling = sibling_usdt(&alice());
	let out = 400 * USDT_UNIT;

	let credited = Clearinghouse::execute_with(|| {
		let collateral = usdt_collateral();
		let account = MarginAccount::new(alice(), 0);
		let before = Vaults::balance_of(&account, collateral);
		assert_ok!(Vaults::withdraw_to(
			RuntimeOrigin::signed(alice()),
			collateral,
			out,
			0,
			back_to_sibling(&alice()),
		));
		assert_eq!(Vaults::balance_of(&account, collateral), before - out as i128);
		// The derivative is burnt here as it leaves.
		assert_eq!(ForeignAssets::total_issuance(usdt_here()), amount - out);
		forward_outbound();
		before
	});
	assert!(credited > 0);
	// The sibling released it from this chain's sovereign account to Alice, less its fee.
	assert_eq!(sibling_usdt(&our_sovereign_on_sibling()), amount - out);
	let received = sibling_usdt(&alice()) - alice_on_sibling;
	assert!(received > out - USDT_UNIT && received <= out, "received {received}");
}

#[test]
fn a_withdrawal_that_breaks_the_margin_check_sends_nothing() {
	Network::reset();
	register_usdt(u128::MAX / 4);
	send_from_sibling(sibling::USDT, 1_000 * USDT_UNIT, margin_beneficiary(&alice(), 0));
	Clearinghouse::execute_with(|| {
		let collateral = usdt_collateral();
		// More than the account holds: refused, nothing burnt, nothing queued.
		assert!(Vaults::withdraw_to(
			RuntimeOrigin::signed(alice()),
			collateral,
			2_000 * USDT_UNIT,
			0,
			back_to_sibling(&alice()),
		)
		.is_err());
		assert_eq!(ForeignAssets::total_issuance(usdt_here()), 1_000 * USDT_UNIT);
		assert!(<clearinghouse_runtime::configs::xcm::XcmRouter as polkadot_sdk::staging_xcm_builder::InspectMessageQueues>::get_messages().is_empty());
	});
}

/// The weight this chain charges for the deposit message a sibling's `transfer_assets` builds,
/// and its fee in USDT. Reproduce: `scripts/test -p clearinghouse-runtime --test xcm_routes
/// -- --nocapture the_weight`.
#[test]
fn the_weight_and_fee_of_an_xcm_deposit() {
	use clearinghouse_runtime::configs::xcm::XcmConfig;
	use clearinghouse_runtime::{configs::xcm::XcmWeights, Runtime, RuntimeCall};
	use polkadot_sdk::{
		cumulus_primitives_utility::ChargeWeightInFungibles,
		staging_xcm::latest::{GetWeight, XcmWeightInfo},
		staging_xcm_executor::{traits::WeightBounds, Config},
		xcm_simulator::PARA_MESSAGE_BUS,
	};
	Network::reset();
	// The message exactly as the sibling sends it, taken off the bus before delivery.
	Sibling::execute_without_dispatch(|| {
		assert_ok!(sibling::PolkadotXcm::transfer_assets(
			sibling::RuntimeOrigin::signed(alice()),
			Box::new(VersionedLocation::from(Location::new(1, [Parachain(CLEARINGHOUSE_ID)]))),
			Box::new(VersionedLocation::from(margin_beneficiary(&alice(), 0))),
			Box::new(VersionedAssets::from(Assets::from(vec![(
				sibling_local(sibling::USDT),
				1_000 * USDT_UNIT
			)
				.into()]))),
			0,
			WeightLimit::Unlimited,
		));
	});
	let (_, _, message) = PARA_MESSAGE_BUS.with(|b| b.borrow_mut().pop_front()).unwrap();
	println!("deposit message: {message:?}");
	Network::reset();
	register_usdt(u128::MAX / 4);
	Clearinghouse::execute_with(|| {
		let mut message: Xcm<clearinghouse_runtime::RuntimeCall> = message.into();
		let instructions = message.len() as u64;
		let weight = <XcmConfig as Config>::Weigher::weight(&mut message, Weight::MAX).unwrap();
		// The message weighs the sum of its instructions' measured weights.
		let summed = message.0.iter().fold(Weight::zero(), |sum, instruction| {
			sum.saturating_add(GetWeight::<XcmWeights>::weight(instruction))
		});
		assert_eq!(weight, summed);
		// Its deposit into a margin account also pays for the vaults' deposit (and the
		// withdrawal back out if they refuse it): more than a deposit to the wallet.
		let (assets, beneficiary) = message
			.0
			.iter()
			.find_map(|i| match i {
				Instruction::DepositAsset { assets, beneficiary } => Some((assets, beneficiary)),
				_ => None,
			})
			.expect("a reserve transfer ends in a deposit");
		let wallet = Location::new(0, [AccountId32 { network: None, id: alice().into() }]);
		let to_margin =
			<XcmWeights as XcmWeightInfo<RuntimeCall>>::deposit_asset(assets, beneficiary);
		let to_wallet = <XcmWeights as XcmWeightInfo<RuntimeCall>>::deposit_asset(assets, &wallet);
		let vaults_deposit =
			<<Runtime as pallet_clearinghouse_vaults::Config>::WeightInfo as pallet_clearinghouse_vaults::WeightInfo>::deposit();
		assert!(to_margin.all_gte(to_wallet.saturating_add(vaults_deposit)));
		// Every instruction of a reserve transfer is supported and measured (an unsupported
		// one weighs `Weight::MAX`): the whole message is a small part of a 2-second block.
		assert!(weight.ref_time() < 20_000_000_000, "{weight:?}");
		let fee = clearinghouse_xcm_config::FeeByMinimumBalance::<
			clearinghouse_runtime::Runtime,
			clearinghouse_runtime::WeightToFee,
		>::charge_weight_in_fungibles(usdt_here(), weight)
		.unwrap();
		let native_fee = <clearinghouse_runtime::WeightToFee as polkadot_sdk::frame_support::weights::WeightToFee>::weight_to_fee(&weight);
		println!(
			"XCM deposit: {instructions} instructions, weight {weight:?}; fee {native_fee} CLR units, \
			 {fee} USDT units before the trader's floor of one minimum balance ({})",
			sibling::USDT_MIN_BALANCE
		);
		// Rounded up.
		assert_eq!(
			fee,
			(native_fee * sibling::USDT_MIN_BALANCE)
				.div_ceil(clearinghouse_runtime::EXISTENTIAL_DEPOSIT)
		);
	});
}

/// Instructions this runtime does not execute weigh too much for any message to carry them,
/// and a wildcard deposit is weighed at the most assets the holding register can hold.
#[test]
fn unsupported_instructions_are_overweight_and_wildcards_weigh_the_worst_case() {
	use clearinghouse_runtime::{
		configs::xcm::{XcmConfig, XcmWeights},
		RuntimeCall,
	};
	use polkadot_sdk::{
		staging_xcm::latest::XcmWeightInfo,
		staging_xcm_executor::{traits::WeightBounds, Config},
	};
	let asset: Asset = (Location::parent(), 1_000u128).into();
	let here = Location::here();
	let block = Weight::from_parts(2_000_000_000_000, 10 * 1024 * 1024);
	for instruction in [
		Instruction::<RuntimeCall>::ReceiveTeleportedAsset(asset.clone().into()),
		Instruction::InitiateTeleport {
			assets: asset.clone().into(),
			dest: Location::parent(),
			xcm: Xcm::new(),
		},
		Instruction::LockAsset { asset: asset.clone(), unlocker: Location::parent() },
		Instruction::ExchangeAsset {
			give: asset.clone().into(),
			want: asset.clone().into(),
			maximal: true,
		},
		Instruction::AliasOrigin(Location::parent()),
		Instruction::UniversalOrigin(GlobalConsensus(NetworkId::Polkadot)),
		Instruction::ExecuteWithOrigin { descendant_origin: None, xcm: Xcm::new() },
	] {
		let mut message = Xcm(vec![Instruction::ClearOrigin, instruction.clone()]);
		let weighed = <XcmConfig as Config>::Weigher::weight(&mut message, block);
		assert!(weighed.map_or(true, |w| w.any_gt(block)), "{instruction:?} fits a block");
	}
	let one = <XcmWeights as XcmWeightInfo<RuntimeCall>>::deposit_asset(
		&AssetFilter::Definite(asset.clone().into()),
		&here,
	);
	let all = <XcmWeights as XcmWeightInfo<RuntimeCall>>::deposit_asset(&Wild(All), &here);
	let max = u64::from(clearinghouse_xcm_config::MaxAssetsIntoHolding::get());
	assert_eq!(all, one.saturating_mul(max));
	let counted =
		<XcmWeights as XcmWeightInfo<RuntimeCall>>::deposit_asset(&Wild(AllCounted(3)), &here);
	assert_eq!(counted, one.saturating_mul(3));
}
