//! Runtime integration tests, on the real runtime built from its genesis presets.

mod common;

use common::ext_from_preset;

use clearinghouse_runtime::{
	configs::governance::dynamic_params, genesis_config_presets, governance::GuardianCollective,
	AccountId, Balances, ForeignAssets, GuardianCouncil, OriginCaller, Preimage, Referenda,
	Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, Scheduler, Sudo, System, UNIT,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	dispatch::GetDispatchInfo,
	traits::{fungible::Inspect, fungibles::Inspect as _, Get, Hooks, StorePreimage},
	BoundedVec,
};
use pallet_clearinghouse_origins::Origin as TrackOrigin;
use pallet_conviction_voting::{AccountVote, Conviction, Vote};
use polkadot_sdk::{
	frame_support, frame_system, pallet_balances, pallet_collective, pallet_conviction_voting,
	pallet_referenda, pallet_tx_pause, pallet_xcm,
	sp_keyring::Sr25519Keyring,
	sp_runtime::{
		traits::{Dispatchable, Hash as _},
		DispatchError, Permill,
	},
	staging_xcm::latest::prelude::*,
	staging_xcm_executor::traits::ConvertLocation,
};

fn account(k: Sr25519Keyring) -> AccountId {
	k.to_account_id()
}

/// The development preset, every pallet's invariants checked after the test.
fn dev_ext() -> common::Checked {
	common::Checked(ext_from_preset("development"))
}

fn events() -> Vec<RuntimeEvent> {
	System::events().into_iter().map(|r| r.event).collect()
}

/// Runs the scheduler (and so referenda alarms) through block `to`.
fn run_to_block(to: u32) {
	let mut n = System::block_number();
	while n < to {
		n += 1;
		System::set_block_number(n);
		// The book's hook first (it reports the mids the previous block left), as the runtime
		// orders them.
		clearinghouse_runtime::Orderbook::on_initialize(n);
		Scheduler::on_initialize(n);
	}
}

#[test]
fn development_preset_funds_dev_accounts_and_sets_sudo() {
	dev_ext().execute_with(|| {
		assert_eq!(
			Balances::balance(&account(Sr25519Keyring::Alice)),
			genesis_config_presets::DEV_ENDOWMENT
		);
		assert_eq!(
			polkadot_sdk::pallet_sudo::Key::<Runtime>::get(),
			Some(account(Sr25519Keyring::Alice))
		);
		assert_eq!(pallet_collective::Members::<Runtime, GuardianCollective>::get().len(), 3);
	});
}

#[test]
fn production_preset_has_no_sudo_key() {
	common::Checked(ext_from_preset(genesis_config_presets::PRODUCTION_RUNTIME_PRESET))
		.execute_with(|| {
			assert_eq!(polkadot_sdk::pallet_sudo::Key::<Runtime>::get(), None);
			// Nobody can act as sudo: the call fails for every signed origin.
			let call = Box::new(RuntimeCall::System(frame_system::Call::remark { remark: vec![] }));
			assert_noop!(
				Sudo::sudo(RuntimeOrigin::signed(account(Sr25519Keyring::Alice)), call),
				polkadot_sdk::pallet_sudo::Error::<Runtime>::RequireSudo
			);
		});
}

#[test]
fn transfer_moves_balance_and_emits_event() {
	dev_ext().execute_with(|| {
		let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
		let (alice_before, bob_before) = (Balances::balance(&alice), Balances::balance(&bob));
		let amount = 12 * UNIT;

		let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: bob.clone().into(),
			value: amount,
		});
		assert_ok!(call.dispatch(RuntimeOrigin::signed(alice.clone())));

		assert_eq!(Balances::balance(&alice), alice_before - amount);
		assert_eq!(Balances::balance(&bob), bob_before + amount);
		assert!(events().contains(&RuntimeEvent::Balances(pallet_balances::Event::Transfer {
			from: alice,
			to: bob,
			amount,
		})));
	});
}

fn sibling(para: u32) -> Location {
	Location::new(1, [Parachain(para)])
}

fn sibling_asset(para: u32, index: u128) -> Location {
	Location::new(1, [Parachain(para), PalletInstance(50), GeneralIndex(index)])
}

#[test]
fn sibling_parachain_creates_a_foreign_asset_under_its_own_location() {
	dev_ext().execute_with(|| {
		let sovereign =
			clearinghouse_xcm_config::LocationToAccountId::convert_location(&sibling(1000))
				.unwrap();
		// The sibling's sovereign account pays the asset deposit.
		assert_ok!(Balances::force_set_balance(RuntimeOrigin::root(), sovereign.clone().into(), 100 * UNIT));
		let usdt = sibling_asset(1000, 1984);
		let sibling_origin: RuntimeOrigin = pallet_xcm::Origin::Xcm(sibling(1000)).into();

		assert_ok!(ForeignAssets::create(
			sibling_origin.clone(),
			usdt.clone(),
			sovereign.clone().into(),
			1_000
		));
		assert!(ForeignAssets::asset_exists(usdt.clone()));
		assert!(events().iter().any(|e| matches!(
			e,
			RuntimeEvent::ForeignAssets(polkadot_sdk::pallet_assets::Event::Created { asset_id, creator, .. })
				if *asset_id == usdt && *creator == sovereign
		)));

		// A sibling cannot create assets under another sibling's location, nor can a plain
		// account create foreign assets at all.
		let other = sibling_asset(2001, 1);
		assert_noop!(
			ForeignAssets::create(sibling_origin, other.clone(), sovereign.clone().into(), 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ForeignAssets::create(
				RuntimeOrigin::signed(account(Sr25519Keyring::Alice)),
				other.clone(),
				sovereign.into(),
				1
			),
			DispatchError::BadOrigin
		);
		assert!(!ForeignAssets::asset_exists(other));
	});
}

#[test]
fn market_admin_track_force_creates_a_foreign_asset() {
	dev_ext().execute_with(|| {
		let dot = Location::parent();
		let admin = account(Sr25519Keyring::Alice);
		assert_ok!(ForeignAssets::force_create(
			TrackOrigin::MarketAdmin.into(),
			dot.clone(),
			admin.clone().into(),
			true,
			1_000_000
		));
		assert!(ForeignAssets::asset_exists(dot.clone()));
		assert_eq!(ForeignAssets::minimum_balance(dot.clone()), 1_000_000);

		// The risk track may not list assets.
		let other = sibling_asset(1000, 7);
		assert_noop!(
			ForeignAssets::force_create(
				TrackOrigin::RiskAdmin.into(),
				other,
				admin.into(),
				true,
				1
			),
			DispatchError::BadOrigin
		);
	});
}

fn set_insurance_share(p: u32) -> RuntimeCall {
	RuntimeCall::Parameters(polkadot_sdk::pallet_parameters::Call::set_parameter {
		key_value: clearinghouse_runtime::configs::governance::RuntimeParameters::Risk(
			dynamic_params::risk::Parameters::InsuranceFeeShare(
				dynamic_params::risk::InsuranceFeeShare,
				Some(Permill::from_percent(p)),
			),
		),
	})
}

/// Submit `call` on `track`'s referendum, have every endowed account vote aye with 90% of its
/// balance, and run the chain to block `until`. Returns the referendum's index.
fn pass_referendum(track: TrackOrigin, call: RuntimeCall, until: u32) -> u32 {
	let proposer = account(Sr25519Keyring::Alice);
	let bounded = <Preimage as StorePreimage>::bound(call).unwrap();
	assert_ok!(Referenda::submit(
		RuntimeOrigin::signed(proposer.clone()),
		Box::new(OriginCaller::Origins(track)),
		bounded,
		frame_support::traits::schedule::DispatchTime::After(0),
	));
	let index = pallet_referenda::ReferendumCount::<Runtime>::get() - 1;
	assert_ok!(Referenda::place_decision_deposit(RuntimeOrigin::signed(proposer), index));
	for voter in Sr25519Keyring::well_known() {
		assert_ok!(pallet_conviction_voting::Pallet::<Runtime>::vote(
			RuntimeOrigin::signed(account(voter)),
			index,
			AccountVote::Standard {
				vote: Vote { aye: true, conviction: Conviction::Locked1x },
				balance: 900_000 * UNIT,
			},
		));
	}
	run_to_block(until);
	assert!(events().iter().any(|e| matches!(
		e,
		RuntimeEvent::Referenda(pallet_referenda::Event::Confirmed { index: i, .. }) if *i == index
	)));
	index
}

#[test]
fn risk_admin_referendum_passes_and_dispatches_the_parameter_change() {
	dev_ext().execute_with(|| {
		assert_eq!(dynamic_params::risk::InsuranceFeeShare::get(), Permill::from_percent(20));
		let call = set_insurance_share(35);

		// The same call from a plain account is refused.
		assert_noop!(
			call.clone().dispatch(RuntimeOrigin::signed(account(Sr25519Keyring::Alice))),
			DispatchError::BadOrigin
		);

		// Prepare (10 min) + confirm (1 h) + enactment (10 min) at 10 blocks a minute, and slack.
		let index = pass_referendum(TrackOrigin::RiskAdmin, call, 1_000);
		let track = pallet_referenda::ReferendumInfoFor::<Runtime>::get(index);
		assert!(matches!(track, Some(pallet_referenda::ReferendumInfo::Approved(..))));
		assert_eq!(dynamic_params::risk::InsuranceFeeShare::get(), Permill::from_percent(35));
		assert!(events().iter().any(|e| matches!(
			e,
			RuntimeEvent::Parameters(polkadot_sdk::pallet_parameters::Event::Updated { .. })
		)));
	});
}

fn pause_transfers_call() -> RuntimeCall {
	RuntimeCall::TxPause(pallet_tx_pause::Call::pause {
		full_name: (
			BoundedVec::truncate_from(b"Balances".to_vec()),
			BoundedVec::truncate_from(b"transfer_keep_alive".to_vec()),
		),
	})
}

fn guardian_majority() -> RuntimeOrigin {
	pallet_collective::RawOrigin::<AccountId, GuardianCollective>::Members(2, 3).into()
}

#[test]
fn guardians_can_halt_through_a_council_motion() {
	dev_ext().execute_with(|| {
		let (charlie, dave) = (account(Sr25519Keyring::Charlie), account(Sr25519Keyring::Dave));
		let proposal = pause_transfers_call();
		let len = proposal.encoded_size() as u32;
		let weight = proposal.get_dispatch_info().call_weight;
		let hash = polkadot_sdk::sp_runtime::traits::BlakeTwo256::hash_of(&proposal);

		assert_ok!(GuardianCouncil::propose(
			RuntimeOrigin::signed(charlie.clone()),
			2,
			Box::new(proposal),
			len
		));
		// Proposing is not voting: two of the three guardians vote aye.
		assert_ok!(GuardianCouncil::vote(RuntimeOrigin::signed(charlie.clone()), hash, 0, true));
		assert_ok!(GuardianCouncil::vote(RuntimeOrigin::signed(dave), hash, 0, true));
		assert_ok!(GuardianCouncil::close(RuntimeOrigin::signed(charlie), hash, 0, weight, len));
		assert!(events().iter().any(|e| matches!(
			e,
			RuntimeEvent::GuardianCouncil(pallet_collective::Event::Executed {
				result: Ok(()),
				..
			})
		)));

		// The halt is in force: transfers are filtered for everyone.
		let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: account(Sr25519Keyring::Bob).into(),
			value: UNIT,
		});
		let err =
			transfer.dispatch(RuntimeOrigin::signed(account(Sr25519Keyring::Alice))).unwrap_err();
		assert_eq!(err.error, frame_system::Error::<Runtime>::CallFiltered.into());
	});
}

#[test]
fn guardians_cannot_do_anything_but_halt() {
	dev_ext().execute_with(|| {
		assert_ok!(pause_transfers_call().dispatch(guardian_majority()));
		assert!(events().iter().any(|e| matches!(
			e,
			RuntimeEvent::TxPause(pallet_tx_pause::Event::CallPaused { .. })
		)));

		// Resuming is root's (a root referendum), not the guardians'.
		let unpause = RuntimeCall::TxPause(pallet_tx_pause::Call::unpause {
			ident: (
				BoundedVec::truncate_from(b"Balances".to_vec()),
				BoundedVec::truncate_from(b"transfer_keep_alive".to_vec()),
			),
		});
		let forbidden = [
			unpause,
			set_insurance_share(1),
			RuntimeCall::Balances(pallet_balances::Call::force_set_balance {
				who: account(Sr25519Keyring::Charlie).into(),
				new_free: 1_000_000 * UNIT,
			}),
			RuntimeCall::System(frame_system::Call::remark_with_event { remark: vec![1] }),
			RuntimeCall::ForeignAssets(polkadot_sdk::pallet_assets::Call::force_create {
				id: Location::parent(),
				owner: account(Sr25519Keyring::Charlie).into(),
				is_sufficient: true,
				min_balance: 1,
			}),
		];
		for call in forbidden {
			let err = call.dispatch(guardian_majority()).unwrap_err();
			assert_eq!(err.error, DispatchError::BadOrigin);
		}
		// A minority of guardians cannot halt either.
		let minority: RuntimeOrigin =
			pallet_collective::RawOrigin::<AccountId, GuardianCollective>::Members(1, 3).into();
		let other_pause = RuntimeCall::TxPause(pallet_tx_pause::Call::pause {
			full_name: (
				BoundedVec::truncate_from(b"Utility".to_vec()),
				BoundedVec::truncate_from(b"batch".to_vec()),
			),
		});
		assert_eq!(other_pause.dispatch(minority).unwrap_err().error, DispatchError::BadOrigin);
	});
}

#[test]
fn emergency_track_halts_but_cannot_resume_and_governance_is_never_paused() {
	dev_ext().execute_with(|| {
		assert_ok!(pause_transfers_call().dispatch(TrackOrigin::Emergency.into()));
		let unpause = RuntimeCall::TxPause(pallet_tx_pause::Call::unpause {
			ident: (
				BoundedVec::truncate_from(b"Balances".to_vec()),
				BoundedVec::truncate_from(b"transfer_keep_alive".to_vec()),
			),
		});
		assert_eq!(
			unpause.clone().dispatch(TrackOrigin::Emergency.into()).unwrap_err().error,
			DispatchError::BadOrigin
		);
		assert_ok!(unpause.dispatch(RuntimeOrigin::root()));

		// Referenda can never be paused, so governance can always undo a halt.
		let pause_referenda = RuntimeCall::TxPause(pallet_tx_pause::Call::pause {
			full_name: (
				BoundedVec::truncate_from(b"Referenda".to_vec()),
				BoundedVec::truncate_from(b"submit".to_vec()),
			),
		});
		assert!(pause_referenda.dispatch(TrackOrigin::Emergency.into()).is_err());
	});
}

#[test]
fn oracle_is_governed_by_the_risk_track_and_fed_for_free() {
	use clearinghouse_primitives::{OracleKey, PriceProvider};
	use clearinghouse_runtime::Oracle;
	use pallet_clearinghouse_oracle::{FeedValue, KeyConfig};
	use polkadot_sdk::{frame_support::dispatch::Pays, pallet_timestamp, sp_runtime::FixedU128};

	dev_ext().execute_with(|| {
		pallet_timestamp::Now::<Runtime>::put(1_700_000_000_000u64);
		let dot = OracleKey::from_symbol("DOT").unwrap();
		let config = KeyConfig {
			min_quorum: 2,
			max_age: 60_000,
			max_deviation: Permill::from_percent(10),
			breaker_window: 300_000,
			ema_half_life: 60_000,
			has_vol: false,
		};
		let feeders = [account(Sr25519Keyring::Ferdie), account(Sr25519Keyring::One)];
		// A plain account may neither configure keys nor appoint feeders.
		assert_noop!(
			Oracle::set_key(RuntimeOrigin::signed(feeders[0].clone()), dot, config),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Oracle::add_feeder(RuntimeOrigin::signed(feeders[0].clone()), feeders[0].clone()),
			DispatchError::BadOrigin
		);
		// The risk_admin track may.
		assert_ok!(Oracle::set_key(TrackOrigin::RiskAdmin.into(), dot, config));
		for f in &feeders {
			assert_ok!(Oracle::add_feeder(TrackOrigin::RiskAdmin.into(), f.clone()));
		}
		for (f, price) in feeders.iter().zip([6u32, 8]) {
			let post = Oracle::feed(
				RuntimeOrigin::signed(f.clone()),
				vec![FeedValue { key: dot, price: FixedU128::from_u32(price), vol: None }]
					.try_into()
					.unwrap(),
			)
			.unwrap();
			assert_eq!(post.pays_fee, Pays::No);
		}
		assert_eq!(
			<Oracle as PriceProvider<OracleKey>>::price(&dot),
			Some((FixedU128::from_u32(7), 1_700_000_000_000))
		);
	});
}

/// Calls dispatched as a signed extrinsic would be: through the call filter and a storage
/// layer, so a failure leaves nothing behind.
fn dispatch_signed(who: &AccountId, call: impl Into<RuntimeCall>) -> Result<(), DispatchError> {
	call.into().dispatch(RuntimeOrigin::signed(who.clone())).map(|_| ()).map_err(|e| e.error)
}

/// `who` deposits `usd` of the dev stablecoin into its cross-margin account.
fn deposit_usd(who: &AccountId, usd: u128) {
	assert_ok!(dispatch_signed(
		who,
		pallet_clearinghouse_vaults::Call::<Runtime>::deposit {
			collateral: 0,
			amount: usd * genesis_config_presets::DEV_USD_UNIT,
			sub: 0
		}
	));
}

/// `who`'s settlement cash in its cross-margin account.
fn cash(who: &AccountId) -> i128 {
	pallet_clearinghouse_vaults::Pallet::<Runtime>::balance_of(
		&pallet_clearinghouse_vaults::MarginAccount::new(who.clone(), 0),
		0,
	)
}

/// The risk_admin track's set-up of DOT options: DOT's oracle key with an implied-vol feed
/// (Ferdie feeds it) and DOT's option parameters (the vol key is DOT's own feed). Returns the
/// feeder.
fn dot_with_vol_and_options() -> AccountId {
	use clearinghouse_runtime::{Margin, Oracle};
	let dot = clearinghouse_primitives::OracleKey::from_symbol("DOT").unwrap();
	assert_ok!(Oracle::set_key(
		TrackOrigin::RiskAdmin.into(),
		dot,
		pallet_clearinghouse_oracle::KeyConfig {
			min_quorum: 1,
			max_age: 60_000,
			max_deviation: Permill::from_percent(10),
			breaker_window: 300_000,
			ema_half_life: 60_000,
			has_vol: true,
		}
	));
	let feeder = account(Sr25519Keyring::Ferdie);
	assert_ok!(Oracle::add_feeder(TrackOrigin::RiskAdmin.into(), feeder.clone()));
	assert_ok!(Margin::set_option_params(
		TrackOrigin::RiskAdmin.into(),
		dot,
		pallet_clearinghouse_margin::OptionParams {
			vol_key: dot,
			size_decimals: 3,
			initial: Permill::from_percent(15),
			maintenance: Permill::from_parts(75_000),
			initial_floor: Permill::from_percent(10),
			maintenance_floor: Permill::from_percent(5),
			long_haircut: Permill::from_percent(10),
		}
	));
	feeder
}

/// The blocks of the settlement window before `expiry` (`window` ms long), each fed by
/// `feed(milli)` and then sampled by `on_initialize` (as a block's hooks see the previous
/// block's feed): the index at 7.200 for the first half, 7.600 for the second and at the
/// first block at expiry, where the price is fixed (7.400).
fn window_at_7_200_then_7_600(expiry: u64, window: u64, feed: impl Fn(u128)) {
	use polkadot_sdk::pallet_timestamp;
	let mut n = System::block_number();
	for (at, milli) in [(expiry - window, 7_200), (expiry - window / 2, 7_600), (expiry, 7_600)] {
		n += 1;
		System::set_block_number(n);
		pallet_timestamp::Now::<Runtime>::put(at);
		feed(milli);
		clearinghouse_runtime::Orderbook::on_initialize(n);
		clearinghouse_runtime::Margin::on_initialize(n);
	}
}

/// `who` places a good-till-cancelled limit order for 10 units (10,000 size units) at `milli`
/// thousandths in `market`.
fn place_ten(
	who: &AccountId,
	market: u32,
	side: pallet_clearinghouse_orderbook::Side,
	milli: u128,
) -> Result<(), DispatchError> {
	use pallet_clearinghouse_orderbook::{
		OrderRequest, OrderType, SelfTradePrevention, TimeInForce,
	};
	dispatch_signed(
		who,
		pallet_clearinghouse_orderbook::Call::<Runtime>::place_order {
			market,
			sub: 0,
			order: OrderRequest {
				side,
				order_type: OrderType::Limit {
					price: polkadot_sdk::sp_runtime::FixedU128::from_rational(milli, 1000),
				},
				quantity: 10_000,
				time_in_force: TimeInForce::Gtc,
				reduce_only: false,
				client_id: None,
				self_trade: SelfTradePrevention::CancelResting,
			},
		},
	)
}

#[test]
fn dev_collateral_deposits_and_withdraws_through_the_vault() {
	use clearinghouse_runtime::{configs::vaults::CollateralAsset, Assets, Vaults};
	use genesis_config_presets::{DEV_USD_ASSET, DEV_USD_ENDOWMENT, DEV_USD_UNIT};
	use pallet_clearinghouse_vaults::{Call as VaultsCall, Event as VaultsEvent, MarginAccount};

	dev_ext().execute_with(|| {
		let alice = account(Sr25519Keyring::Alice);
		let vault = Vaults::vault_account();
		// The dev preset registers USD (settlement) and CLR.
		assert_eq!(pallet_clearinghouse_vaults::Pallet::<Runtime>::settlement_id(), Some(0));
		assert_eq!(
			pallet_clearinghouse_vaults::CollateralIdOf::<Runtime>::get(CollateralAsset::Native),
			Some(1)
		);
		assert_eq!(Assets::balance(DEV_USD_ASSET, &alice), DEV_USD_ENDOWMENT);

		assert_ok!(dispatch_signed(
			&alice,
			VaultsCall::<Runtime>::deposit { collateral: 0, amount: 2_500 * DEV_USD_UNIT, sub: 1 }
		));
		assert_eq!(
			Assets::balance(DEV_USD_ASSET, &alice),
			DEV_USD_ENDOWMENT - 2_500 * DEV_USD_UNIT
		);
		assert_eq!(Assets::balance(DEV_USD_ASSET, &vault), 2_500 * DEV_USD_UNIT);
		assert_eq!(
			Vaults::balance_of(&MarginAccount::new(alice.clone(), 1), 0),
			(2_500 * DEV_USD_UNIT) as i128
		);
		assert!(events().contains(&RuntimeEvent::Vaults(VaultsEvent::Deposited {
			owner: alice.clone(),
			sub: 1,
			collateral: 0,
			amount: 2_500 * DEV_USD_UNIT,
			payer: alice.clone(),
		})));

		// The native token: the vault pays out what it took in.
		let before = Balances::balance(&alice);
		assert_ok!(dispatch_signed(
			&alice,
			VaultsCall::<Runtime>::deposit { collateral: 1, amount: 100 * UNIT, sub: 0 }
		));
		assert_eq!(Balances::balance(&vault), 100 * UNIT);
		assert_ok!(dispatch_signed(
			&alice,
			VaultsCall::<Runtime>::withdraw { collateral: 1, amount: 100 * UNIT, sub: 0 }
		));
		assert_eq!(Balances::balance(&alice), before);
		assert!(System::account_exists(&vault));

		// Sub-account 8 does not exist (eight per owner); nothing moves.
		assert_eq!(
			dispatch_signed(
				&alice,
				VaultsCall::<Runtime>::deposit { collateral: 0, amount: DEV_USD_UNIT, sub: 8 }
			),
			Err(pallet_clearinghouse_vaults::Error::<Runtime>::SubAccountOutOfRange.into())
		);
		pallet_clearinghouse_vaults::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn foreign_collateral_is_registered_by_the_risk_track_and_valued_by_the_oracle() {
	use clearinghouse_primitives::OracleKey;
	use clearinghouse_runtime::{configs::vaults::CollateralAsset, Oracle, Vaults};
	use pallet_clearinghouse_oracle::{FeedValue, KeyConfig};
	use pallet_clearinghouse_vaults::{
		Call as VaultsCall, CollateralConfig, CollateralStatus, CollateralValuation, MarginAccount,
	};
	use polkadot_sdk::{pallet_timestamp, sp_runtime::FixedU128};

	dev_ext().execute_with(|| {
		pallet_timestamp::Now::<Runtime>::put(1_700_000_000_000u64);
		let alice = account(Sr25519Keyring::Alice);
		// DOT from the relay chain, 10 decimals, in ForeignAssets.
		let dot_location = Location::parent();
		assert_ok!(ForeignAssets::force_create(
			RuntimeOrigin::root(),
			dot_location.clone(),
			alice.clone().into(),
			true,
			1,
		));
		assert_ok!(ForeignAssets::mint(
			RuntimeOrigin::signed(alice.clone()),
			dot_location.clone(),
			alice.clone().into(),
			1_000 * 10u128.pow(10),
		));
		let dot = OracleKey::from_symbol("DOT").unwrap();
		let asset = CollateralAsset::Foreign(dot_location.clone());
		let config = CollateralConfig {
			oracle_key: dot,
			decimals: 10,
			haircut: Permill::from_percent(20),
			deposit_cap: u128::MAX / 2,
			account_cap: u128::MAX / 4,
			status: CollateralStatus::Active,
		};
		// A plain account cannot list collateral; the risk_admin track can.
		assert_noop!(
			Vaults::register_collateral(
				RuntimeOrigin::signed(alice.clone()),
				asset.clone(),
				config
			),
			DispatchError::BadOrigin
		);
		assert_ok!(Vaults::register_collateral(TrackOrigin::RiskAdmin.into(), asset, config));
		assert_ok!(dispatch_signed(
			&alice,
			VaultsCall::<Runtime>::deposit { collateral: 2, amount: 10 * 10u128.pow(10), sub: 0 }
		));

		let margin = MarginAccount::new(alice.clone(), 0);
		// No DOT price yet: counted as zero, and said so.
		assert_eq!(
			Vaults::collateral_value(&margin).unwrap(),
			CollateralValuation { value: 0, unpriced: 1 }
		);
		let key_config = KeyConfig {
			min_quorum: 1,
			max_age: 60_000,
			max_deviation: Permill::from_percent(10),
			breaker_window: 300_000,
			ema_half_life: 60_000,
			has_vol: false,
		};
		let feeder = account(Sr25519Keyring::Ferdie);
		assert_ok!(Oracle::set_key(TrackOrigin::RiskAdmin.into(), dot, key_config));
		assert_ok!(Oracle::add_feeder(TrackOrigin::RiskAdmin.into(), feeder.clone()));
		assert_ok!(Oracle::feed(
			RuntimeOrigin::signed(feeder),
			vec![FeedValue { key: dot, price: FixedU128::from_rational(75, 10), vol: None }]
				.try_into()
				.unwrap(),
		));
		// 10 DOT · 7.5 USD · (1 − 20%) = 60 USD, in the settlement asset's 6 decimals.
		assert_eq!(
			Vaults::collateral_value(&margin).unwrap(),
			CollateralValuation { value: 60_000_000, unpriced: 0 }
		);
		pallet_clearinghouse_vaults::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn production_preset_lists_no_collateral() {
	common::Checked(ext_from_preset("production")).execute_with(|| {
		assert_eq!(pallet_clearinghouse_vaults::Collaterals::<Runtime>::count(), 0);
		assert_eq!(pallet_clearinghouse_vaults::Pallet::<Runtime>::settlement_id(), None);
	});
}

/// What the risk_admin track sets for a DOT market: its risk parameters (10% / 5%, no funding),
/// the oracle key and Ferdie as its feeder. Returns the feeder.
/// A DOT market of `kind` as these tests list it: ticks of 0.001, lots and a minimum of 1,000
/// size units (one DOT at three decimals), no fees, 20 open orders an account.
fn dot_market(
	kind: pallet_clearinghouse_orderbook::MarketKind,
) -> pallet_clearinghouse_orderbook::MarketConfig {
	use pallet_clearinghouse_orderbook::{MarketConfig, MarketParams, MarketStatus};
	MarketConfig {
		underlying: clearinghouse_primitives::OracleKey::from_symbol("DOT").unwrap(),
		kind,
		tick_size: polkadot_sdk::sp_runtime::FixedU128::from_rational(1, 1000),
		lot_size: 1_000,
		params: MarketParams {
			min_size: 1_000,
			maker_fee: Permill::zero(),
			taker_fee: Permill::zero(),
			max_open_orders: 20,
		},
		status: MarketStatus::Active,
	}
}

fn configure_dot_market(market: u32) -> AccountId {
	use clearinghouse_primitives::OracleKey;
	use clearinghouse_runtime::{Margin, Oracle};
	let dot = OracleKey::from_symbol("DOT").unwrap();
	assert_ok!(Margin::set_market_risk(
		TrackOrigin::RiskAdmin.into(),
		market,
		pallet_clearinghouse_margin::RiskParams {
			underlying: dot,
			size_decimals: 3,
			initial: Permill::from_percent(10),
			maintenance: Permill::from_percent(5),
			initial_at_full: Permill::from_percent(10),
			open_interest_full: 0,
			funding: None,
		}
	));
	let feeder = account(Sr25519Keyring::Ferdie);
	if pallet_clearinghouse_oracle::KeyConfigs::<Runtime>::get(dot).is_none() {
		assert_ok!(Oracle::set_key(
			TrackOrigin::RiskAdmin.into(),
			dot,
			pallet_clearinghouse_oracle::KeyConfig {
				min_quorum: 1,
				max_age: 60_000,
				max_deviation: Permill::from_percent(10),
				breaker_window: 300_000,
				ema_half_life: 60_000,
				has_vol: false,
			}
		));
		assert_ok!(Oracle::add_feeder(TrackOrigin::RiskAdmin.into(), feeder.clone()));
	}
	feeder
}

#[test]
fn market_admin_lists_a_market_and_orders_match_on_chain() {
	use clearinghouse_primitives::OracleKey;
	use clearinghouse_runtime::{Margin, Oracle, Orderbook};
	use pallet_clearinghouse_orderbook::{
		BookDepth, Call as OrderbookCall, MarketConfig, MarketKind, MarketParams, MarketStatus,
		OrderRequest, OrderType, SelfTradePrevention, Side, TimeInForce,
	};
	use polkadot_sdk::{pallet_timestamp, sp_runtime::FixedU128};

	dev_ext().execute_with(|| {
		pallet_timestamp::Now::<Runtime>::put(1_700_000_000_000u64);
		let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
		let config = MarketConfig {
			underlying: OracleKey::from_symbol("DOT").unwrap(),
			kind: MarketKind::Perpetual,
			tick_size: FixedU128::from_rational(1, 1000),
			lot_size: 1_000,
			params: MarketParams {
				min_size: 1_000,
				maker_fee: Permill::from_parts(100),
				taker_fee: Permill::from_parts(400),
				max_open_orders: 20,
			},
			status: MarketStatus::Active,
		};
		// Only the market_admin track (or root) lists markets.
		assert_noop!(
			Orderbook::create_market(RuntimeOrigin::signed(alice.clone()), config),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Orderbook::create_market(TrackOrigin::RiskAdmin.into(), config),
			DispatchError::BadOrigin
		);
		assert_ok!(Orderbook::create_market(TrackOrigin::MarketAdmin.into(), config));
		// Without risk parameters the market cannot trade; the risk_admin track sets them, and
		// the oracle prices DOT.
		let dot = OracleKey::from_symbol("DOT").unwrap();
		let feeder = configure_dot_market(0);
		assert_ok!(Oracle::feed(
			RuntimeOrigin::signed(feeder),
			vec![pallet_clearinghouse_oracle::FeedValue {
				key: dot,
				price: FixedU128::from_rational(7_250, 1000),
				vol: None
			}]
			.try_into()
			.unwrap(),
		));
		for who in [&alice, &bob] {
			assert_ok!(dispatch_signed(
				who,
				pallet_clearinghouse_vaults::Call::<Runtime>::deposit {
					collateral: 0,
					amount: 1_000 * genesis_config_presets::DEV_USD_UNIT,
					sub: 0
				}
			));
		}
		let order = |side, price: FixedU128, size| OrderRequest {
			side,
			order_type: OrderType::Limit { price },
			quantity: size,
			time_in_force: TimeInForce::Gtc,
			reduce_only: false,
			client_id: None,
			self_trade: SelfTradePrevention::CancelResting,
		};
		let ask = FixedU128::from_rational(7_250, 1000);
		assert_ok!(dispatch_signed(
			&alice,
			OrderbookCall::<Runtime>::place_order {
				market: 0,
				sub: 0,
				order: order(Side::Sell, ask, 5_000)
			}
		));
		assert_ok!(dispatch_signed(
			&bob,
			OrderbookCall::<Runtime>::place_order {
				market: 0,
				sub: 0,
				order: order(Side::Buy, ask, 3_000)
			}
		));
		assert!(events().iter().any(|e| matches!(
			e,
			RuntimeEvent::Orderbook(pallet_clearinghouse_orderbook::Event::Traded {
				quantity: 3_000,
				..
			})
		)));
		assert_eq!(
			Orderbook::depth(0, 5),
			Some(BookDepth { bids: vec![], asks: vec![(ask, 2_000)] })
		);
		// The margin engine holds the positions: 3 DOT long for Bob, short for Alice.
		let health =
			Margin::account_health(&pallet_clearinghouse_margin::MarginAccount::new(bob, 0))
				.unwrap();
		assert_eq!(health.positions[0].quantity, 3_000);
		pallet_clearinghouse_orderbook::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_margin::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_vaults::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn the_insurance_fund_takes_donations_and_pays_only_by_referendum() {
	use clearinghouse_runtime::Insurance;
	use genesis_config_presets::DEV_USD_UNIT;

	dev_ext().execute_with(|| {
		let alice = account(Sr25519Keyring::Alice);
		assert_ok!(Insurance::donate(RuntimeOrigin::signed(alice.clone()), 1_000 * DEV_USD_UNIT));
		assert_eq!(Insurance::balance(), (1_000 * DEV_USD_UNIT) as i128);
		// Neither a signed account nor the risk track may spend it; root (a referendum) may.
		assert_noop!(
			Insurance::withdraw(RuntimeOrigin::signed(alice.clone()), alice.clone(), 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Insurance::withdraw(TrackOrigin::RiskAdmin.into(), alice.clone(), 1),
			DispatchError::BadOrigin
		);
		assert_ok!(Insurance::withdraw(RuntimeOrigin::root(), alice, 400 * DEV_USD_UNIT));
		assert_eq!(Insurance::balance(), (600 * DEV_USD_UNIT) as i128);
		pallet_clearinghouse_vaults::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn a_keeper_deleverage_call_of_any_size_is_a_valid_transaction() {
	use clearinghouse_runtime::Margin;
	dev_ext().execute_with(|| {
		// With the measured worst-case weights (a trade step is its own benchmark, 404 KB of
		// proof; it was bounded by a liquidation step's 1.8 MB, 3 steps a call) a keeper gets
		// many steps into a transaction: proof bounds them.
		let fitting = keeper_steps_that_fit(
			|steps| pallet_clearinghouse_margin::Call::deleverage { market: 0, steps },
			Margin::deleverage_weight,
			64,
		);
		println!("{fitting} deleveraging steps fit one transaction");
		assert!(fitting >= 10, "only {fitting} steps fit");
		// The same for settling an expired market: over a hundred positions (each a full
		// account's, with a bad debt to cover) fit one call.
		let fitting = keeper_steps_that_fit(
			|steps| pallet_clearinghouse_margin::Call::settle { market: 0, steps },
			Margin::settle_weight,
			1_000,
		);
		println!("{fitting} settlement steps fit one transaction");
		assert!(fitting > 100, "only {fitting} settlement steps fit");
	});
}

/// How many steps of a keeper call fit one transaction (at most `most`), after checking that
/// the call with any `steps` is a valid transaction that pays its fee up front and declares
/// no more than those fitting steps.
fn keeper_steps_that_fit(
	call: impl Fn(u32) -> pallet_clearinghouse_margin::Call<Runtime>,
	weight: impl Fn(u32) -> Weight,
	most: u32,
) -> usize {
	use frame_support::dispatch::DispatchClass;
	let max = <Runtime as frame_system::Config>::BlockWeights::get()
		.get(DispatchClass::Normal)
		.max_extrinsic
		.expect("normal extrinsics are limited");
	let largest = RuntimeCall::Margin(call(u32::MAX)).get_dispatch_info();
	assert!(largest.total_weight().all_lte(max), "{:?} > {max:?}", largest.total_weight());
	assert_eq!(largest.pays_fee, frame_support::dispatch::Pays::Yes);
	let fitting = (1..=most).take_while(|&n| n == 1 || weight(n).any_gt(weight(n - 1))).count();
	assert_eq!(weight(u32::MAX), weight(fitting as u32));
	fitting
}

#[test]
fn the_fund_deficit_check_is_a_valid_transaction() {
	use clearinghouse_runtime::Margin;
	use frame_support::dispatch::DispatchClass;
	dev_ext().execute_with(|| {
		// Every backstop book valued as the largest account of options under both models.
		let info = RuntimeCall::Margin(pallet_clearinghouse_margin::Call::deleverage_fund {})
			.get_dispatch_info();
		let max = <Runtime as frame_system::Config>::BlockWeights::get()
			.get(DispatchClass::Normal)
			.max_extrinsic
			.expect("normal extrinsics are limited");
		println!("deleverage_fund declares {:?} of {max:?}", info.total_weight());
		assert_eq!(info.call_weight, Margin::fund_check_weight());
		assert!(info.total_weight().all_lte(max), "{:?} > {max:?}", info.total_weight());
	});
}

#[test]
fn a_bulk_call_of_every_placement_it_may_hold_is_a_valid_transaction() {
	use frame_support::dispatch::DispatchClass;
	use pallet_clearinghouse_orderbook::{
		OrderRequest, OrderType, SelfTradePrevention, Side, TimeInForce,
	};
	dev_ext().execute_with(|| {
		let max = <Runtime as frame_system::Config>::BlockWeights::get()
			.get(DispatchClass::Normal)
			.max_extrinsic
			.expect("normal extrinsics are limited");
		let most: u32 = <Runtime as pallet_clearinghouse_orderbook::Config>::MaxBulk::get();
		let order = OrderRequest {
			side: Side::Buy,
			order_type: OrderType::Limit {
				price: polkadot_sdk::sp_runtime::FixedU128::from_u32(100),
			},
			quantity: 1,
			time_in_force: TimeInForce::Gtc,
			reduce_only: false,
			client_id: None,
			self_trade: SelfTradePrevention::CancelResting,
		};
		for places in [1, most / 2, most] {
			let call = RuntimeCall::Orderbook(pallet_clearinghouse_orderbook::Call::bulk {
				market: 0,
				sub: 0,
				cancels: Default::default(),
				places: frame_support::BoundedVec::truncate_from(vec![order; places as usize]),
			});
			let declared = call.get_dispatch_info().total_weight();
			println!("bulk of {places} placements declares {declared:?} of {max:?}");
			// Each placement used to declare a whole taker's makers and its margin check's
			// proof: past 12 placements the call exceeded what one transaction may use.
			assert!(declared.all_lte(max), "{places} placements: {declared:?} > {max:?}");
		}
	});
}

#[test]
fn every_market_has_a_backstop_book_the_order_book_and_vaults_accept() {
	use clearinghouse_runtime::Margin;
	let markets: u32 = <Runtime as pallet_clearinghouse_margin::Config>::MaxMarkets::get();
	let subs: u8 = clearinghouse_runtime::configs::MaxSubAccounts::get();
	// The fund's positions in the last market live in its last backstop book: a sub-account
	// the order book takes orders from (the fund unwinds through it) and the vaults hold.
	let last = Margin::backstop_account(markets - 1).expect("a book for every market");
	assert!(last.sub < subs, "backstop book {} beyond MaxSubAccounts {subs}", last.sub);
	assert_eq!(last.owner, Margin::account_id());
}

#[test]
fn pallet_xcm_charges_its_measured_weights() {
	use clearinghouse_runtime::weights::pallet_xcm::WeightInfo as Measured;
	use pallet_xcm::WeightInfo as _;
	// Measured: `send` reads the relay's host configuration and writes the upward queue (the
	// test weights charged 100 µs and no storage); refused calls weigh the maximum.
	let send = Measured::<Runtime>::send();
	assert!(send.proof_size() > 0);
	assert!(
		send.ref_time()
			> <Runtime as frame_system::Config>::DbWeight::get().reads_writes(2, 1).ref_time()
	);
	assert_eq!(Measured::<Runtime>::teleport_assets().ref_time(), 18_446_744_073_709_551_000);
	assert!(Measured::<Runtime>::transfer_assets().proof_size() > 0);
}

/// A dated future listed through a `market_admin` referendum trades, stops at expiry, gets its
/// settlement price from the oracle's samples, and settles every position in cash.
#[test]
fn a_future_listed_by_referendum_trades_expires_and_settles() {
	use clearinghouse_runtime::{Margin, Orderbook};
	use pallet_clearinghouse_margin::{MarginAccount, SettlementParams};
	use pallet_clearinghouse_orderbook::{Call as OrderbookCall, MarketKind, MarketStatus, Side};
	use polkadot_sdk::{pallet_timestamp, sp_runtime::FixedU128};

	dev_ext().execute_with(|| {
		let t0 = 1_700_000_000_000u64;
		pallet_timestamp::Now::<Runtime>::put(t0);
		let window = SettlementParams::default().window_ms;
		let expiry = t0 + 2 * window;
		let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
		let config = dot_market(MarketKind::Future { expiry });
		// Listed by the market_admin track's referendum (block numbers move, the clock not).
		pass_referendum(
			TrackOrigin::MarketAdmin,
			OrderbookCall::<Runtime>::create_market { config }.into(),
			3_000,
		);
		let future = pallet_clearinghouse_orderbook::Markets::<Runtime>::count() - 1;
		assert_eq!(
			<Orderbook as clearinghouse_primitives::trading::BookPrices>::expiry(future),
			Some(expiry)
		);
		// Risk parameters and the oracle by the risk_admin track.
		let feeder = configure_dot_market(future);
		let feed = |milli: u128| dot_feed(&feeder, milli, None);
		feed(7_000);
		for who in [&alice, &bob] {
			deposit_usd(who, 1_000);
		}
		let place = |who: &AccountId, side, milli| place_ten(who, future, side, milli);
		// Bob buys 10 DOT of the future from Alice at 7.000; Alice also rests an ask.
		assert_ok!(place(&alice, Side::Sell, 7_000));
		assert_ok!(place(&bob, Side::Buy, 7_000));
		assert_ok!(place(&alice, Side::Sell, 9_000));
		let before = (cash(&alice), cash(&bob));
		// The window: the index at 7.200 for its first half, 7.600 for the second. Each block
		// the feeder feeds first, then `on_initialize` samples (as a block's hooks would see
		// the previous block's feed).
		// From expiry on: no orders; the price is fixed at the first block at expiry.
		window_at_7_200_then_7_600(expiry, window, feed);
		assert_eq!(
			place(&bob, Side::Buy, 9_000),
			Err(pallet_clearinghouse_orderbook::Error::<Runtime>::MarketExpired.into())
		);
		let n = System::block_number();
		let price = FixedU128::from_rational(7_400, 1000);
		assert_eq!(Margin::settlement(future).and_then(|s| s.price), Some(price));
		// The idle sweep empties the expired book; a keeper settles both positions.
		Orderbook::on_idle(n, Weight::MAX);
		assert!(Orderbook::open_orders(future, &MarginAccount::new(alice.clone(), 0)).is_empty());
		let keeper = account(Sr25519Keyring::Charlie);
		assert_ok!(dispatch_signed(
			&keeper,
			pallet_clearinghouse_margin::Call::<Runtime>::settle { market: future, steps: 3 }
		));
		assert!(Margin::settlement(future).unwrap().settled);
		assert_eq!(
			pallet_clearinghouse_orderbook::Markets::<Runtime>::get(future)
				.map(|m| m.config.status),
			Some(MarketStatus::Settled)
		);
		// 10 DOT × (7.400 − 7.000) = 4 USD from Alice to Bob.
		let four = 4 * genesis_config_presets::DEV_USD_UNIT as i128;
		assert_eq!((cash(&alice), cash(&bob)), (before.0 - four, before.1 + four));
		pallet_clearinghouse_orderbook::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_margin::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_vaults::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn an_option_chain_listed_by_referendum_trades_expires_and_settles() {
	use clearinghouse_primitives::OracleKey;
	use clearinghouse_runtime::Margin;
	use pallet_clearinghouse_margin::{MarginAccount, SettlementParams};
	use pallet_clearinghouse_orderbook::{
		Call as OrderbookCall, ChainTemplate, MarketKind, MarketStatus, Side,
	};
	use polkadot_sdk::{pallet_timestamp, sp_runtime::FixedU128};

	dev_ext().execute_with(|| {
		let t0 = 1_700_000_000_000u64;
		pallet_timestamp::Now::<Runtime>::put(t0);
		let window = SettlementParams::default().window_ms;
		let expiry = t0 + 2 * window;
		let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
		let dot = OracleKey::from_symbol("DOT").unwrap();
		let milli = |m: u128| FixedU128::from_rational(m, 1000);
		// The risk_admin track: DOT's index with an implied-vol feed, and how DOT options
		// are marked and margined (the vol key is DOT's own feed).
		let feeder = dot_with_vol_and_options();
		let feed = |price: u128| dot_feed(&feeder, price, Some(FixedU128::from_rational(6, 10)));
		feed(7_000);
		// The market_admin track lists the chain: calls and puts at 6.500 and 7.000.
		let first = pallet_clearinghouse_orderbook::Markets::<Runtime>::count();
		pass_referendum(
			TrackOrigin::MarketAdmin,
			OrderbookCall::<Runtime>::list_option_chain {
				underlying: dot,
				expiry,
				strikes: vec![milli(6_500), milli(7_000)].try_into().unwrap(),
				template: ChainTemplate {
					tick_size: milli(1),
					lot_size: 1_000,
					params: dot_market(MarketKind::Perpetual).params,
				},
			}
			.into(),
			3_000,
		);
		assert_eq!(pallet_clearinghouse_orderbook::Markets::<Runtime>::count(), first + 4);
		// The 7.000 call is the third market (6.500 call, 6.500 put, 7.000 call, 7.000 put).
		let call = first + 2;
		// The referendum's blocks did not move the clock: feed again for a fresh index.
		feed(7_000);
		let chain = Margin::option_chain(dot);
		assert_eq!(
			chain.iter().map(|q| q.market).collect::<Vec<_>>(),
			(first..first + 4).collect::<Vec<_>>()
		);
		assert!(chain.iter().all(|q| q.vol == FixedU128::from_rational(6, 10)));
		for who in [&alice, &bob] {
			deposit_usd(who, 1_000);
		}
		let before = (cash(&alice), cash(&bob));
		let place = |who: &AccountId, side, price| place_ten(who, call, side, price);
		// Alice writes 10 DOT of the 7.000 call to Bob at 0.300: Bob pays her 3 USD.
		assert_ok!(place(&alice, Side::Sell, 300));
		assert_ok!(place(&bob, Side::Buy, 300));
		let three = 3 * genesis_config_presets::DEV_USD_UNIT as i128;
		assert_eq!((cash(&alice), cash(&bob)), (before.0 + three, before.1 - three));
		let positions = Margin::option_positions(&MarginAccount::new(bob.clone(), 0));
		assert_eq!(
			positions.iter().map(|p| (p.market, p.quantity)).collect::<Vec<_>>(),
			vec![(call, 10_000)]
		);
		// The window: 7.200 for its first half, 7.600 for the second; fixed at 7.400.
		window_at_7_200_then_7_600(expiry, window, feed);
		assert_eq!(
			place(&bob, Side::Buy, 500),
			Err(pallet_clearinghouse_orderbook::Error::<Runtime>::MarketExpired.into())
		);
		assert_eq!(Margin::settlement(call).and_then(|s| s.price), Some(milli(7_400)));
		// A keeper settles every market of the chain, the empty ones too.
		let keeper = account(Sr25519Keyring::Charlie);
		for market in first..first + 4 {
			assert_ok!(dispatch_signed(
				&keeper,
				pallet_clearinghouse_margin::Call::<Runtime>::settle { market, steps: 3 }
			));
			assert!(Margin::settlement(market).unwrap().settled);
			assert_eq!(
				pallet_clearinghouse_orderbook::Markets::<Runtime>::get(market)
					.map(|m| m.config.status),
				Some(MarketStatus::Settled)
			);
		}
		// The call paid 10 × (7.400 − 7.000) = 4 USD from Alice to Bob.
		let four = 4 * genesis_config_presets::DEV_USD_UNIT as i128;
		assert_eq!((cash(&alice), cash(&bob)), (before.0 + three - four, before.1 - three + four));
		pallet_clearinghouse_orderbook::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_margin::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_vaults::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn every_call_that_checks_margin_is_charged_for_an_account_of_options() {
	use clearinghouse_runtime::Margin;
	use pallet_clearinghouse_margin::WeightInfo as _;
	use pallet_clearinghouse_orderbook::WeightInfo as _;
	use pallet_clearinghouse_orderbook::{
		OrderRequest, OrderType, SelfTradePrevention, Side, TimeInForce,
	};
	use polkadot_sdk::sp_runtime::FixedU128;
	type MarginWeights = <Runtime as pallet_clearinghouse_margin::Config>::WeightInfo;
	let positions: u32 = <Runtime as pallet_clearinghouse_margin::Config>::MaxPositions::get();
	// Options (and more so options under the portfolio model) cost more per position than
	// the perpetuals the trading benchmarks hold.
	let options = MarginWeights::option_margin_check(positions);
	let portfolio = MarginWeights::portfolio_margin_check(positions);
	let perps = MarginWeights::margin_check(positions);
	assert!(options.any_gt(perps));
	let surcharge = Margin::check_weight_surcharge(positions);
	assert_eq!(surcharge, options.max(portfolio).saturating_sub(perps));
	let order = OrderRequest {
		side: Side::Buy,
		order_type: OrderType::Limit { price: FixedU128::from_u32(1) },
		quantity: 1,
		time_in_force: TimeInForce::Gtc,
		reduce_only: false,
		client_id: None,
		self_trade: SelfTradePrevention::CancelResting,
	};
	let declared = |call: RuntimeCall| call.get_dispatch_info().total_weight();
	let place = declared(
		pallet_clearinghouse_orderbook::Call::<Runtime>::place_order { market: 0, sub: 0, order }
			.into(),
	);
	let place_bench = <Runtime as pallet_clearinghouse_orderbook::Config>::WeightInfo::place_order(
		<Runtime as pallet_clearinghouse_orderbook::Config>::MaxMakersPerOrder::get(),
	);
	assert!(place.all_gte(place_bench.saturating_add(surcharge)));
	let withdraw = declared(
		pallet_clearinghouse_vaults::Call::<Runtime>::withdraw { collateral: 0, amount: 1, sub: 0 }
			.into(),
	);
	assert!(withdraw.all_gte(surcharge));
	let liquidate = declared(
		pallet_clearinghouse_margin::Call::<Runtime>::liquidate {
			account: pallet_clearinghouse_margin::MarginAccount::new(
				account(Sr25519Keyring::Alice),
				0,
			),
		}
		.into(),
	);
	assert!(
		liquidate.all_gte(MarginWeights::liquidate().saturating_add(surcharge.saturating_mul(4)))
	);
}

#[test]
fn an_account_opted_into_portfolio_margin_by_the_governance_path_writes_a_covered_call() {
	use clearinghouse_runtime::Margin;
	use pallet_clearinghouse_margin::{MarginAccount, PortfolioParams};
	use pallet_clearinghouse_orderbook::{MarketKind, OptionRight, Side};
	use polkadot_sdk::{pallet_timestamp, sp_runtime::FixedU128};

	dev_ext().execute_with(|| {
		let t0 = 1_700_000_000_000u64;
		pallet_timestamp::Now::<Runtime>::put(t0);
		let (alice, bob) = (account(Sr25519Keyring::Alice), account(Sr25519Keyring::Bob));
		let milli = |m: u128| FixedU128::from_rational(m, 1000);
		let feeder = dot_with_vol_and_options();
		let market = dot_market;
		let perp = pallet_clearinghouse_orderbook::Markets::<Runtime>::count();
		assert_ok!(pallet_clearinghouse_orderbook::Pallet::<Runtime>::create_market(
			TrackOrigin::MarketAdmin.into(),
			market(MarketKind::Perpetual)
		));
		configure_dot_market(perp);
		// A call struck deep in the money, 30 days out.
		let call = perp + 1;
		assert_ok!(pallet_clearinghouse_orderbook::Pallet::<Runtime>::create_market(
			TrackOrigin::MarketAdmin.into(),
			market(MarketKind::Option {
				right: OptionRight::Call,
				strike: milli(5_000),
				expiry: t0 + 30 * 86_400_000
			})
		));
		let feed = || dot_feed(&feeder, 7_000, Some(FixedU128::from_rational(6, 10)));
		feed();
		deposit_usd(&alice, 15);
		deposit_usd(&bob, 1_000);
		// Alice buys 10 DOT of the perpetual from Bob; Bob bids for the call at 2.000.
		assert_ok!(place_ten(&bob, perp, Side::Sell, 7_000));
		assert_ok!(place_ten(&alice, perp, Side::Buy, 7_000));
		assert_ok!(place_ten(&bob, call, Side::Buy, 2_000));
		// The standard model wants the perpetual's 7 and the covered call's mark (about 20):
		// more than Alice's 15. (The portfolio model wants 10.5 for the perpetual alone, a
		// 15% fall: she can opt in.)
		assert_eq!(
			place_ten(&alice, call, Side::Sell, 2_000),
			Err(pallet_clearinghouse_margin::Error::<Runtime>::InsufficientMargin.into())
		);
		// The risk_admin track's referendum sets the portfolio model; Alice opts in.
		// The risk crate's default grid (28 scenarios), no concentration add-on (Alice holds
		// all of these markets' open interest).
		let model = PortfolioParams {
			price_range: Permill::from_percent(15),
			price_steps: 13,
			vol_up: Permill::from_percent(45),
			vol_down: Permill::from_percent(30),
			vol_scaling: Permill::from_percent(30),
			extreme_multiple: 3,
			extreme_fraction: Permill::from_percent(33),
			decay_ms: 86_400_000,
			short_option_minimum: Permill::from_percent(1),
			concentration: Permill::zero(),
			mm_ratio: Permill::from_percent(70),
			credits: Default::default(),
		};
		pass_referendum(
			TrackOrigin::RiskAdmin,
			pallet_clearinghouse_margin::Call::<Runtime>::set_portfolio_params { params: model }
				.into(),
			3_000,
		);
		assert!(pallet_clearinghouse_margin::PortfolioConfig::<Runtime>::get().is_some());
		feed();
		// Before opting in, Alice asks what the covered call would do (what the runtime API's
		// `simulate` answers): short of margin by her standard model, within the portfolio's.
		let simulate = || {
			Margin::simulate(
				&MarginAccount::new(alice.clone(), 0),
				vec![pallet_clearinghouse_margin::SimulatedTrade {
					market: call,
					quantity: -10_000,
					price: Some(milli(2_000)),
				}],
				vec![],
			)
			.unwrap()
		};
		let sim = simulate();
		assert!(!sim.portfolio_margined);
		assert!(sim.standard.free_collateral < 0, "{sim:?}");
		let by_portfolio = sim.portfolio.unwrap();
		assert!(by_portfolio.free_collateral >= 0, "{sim:?}");
		assert_eq!(sim.risk_array.unwrap().initial, by_portfolio.initial);
		assert_ok!(dispatch_signed(
			&alice,
			pallet_clearinghouse_margin::Call::<Runtime>::set_portfolio_margin {
				sub: 0,
				enabled: true
			}
		));
		// The portfolio sees a hedged book: the covered call trades.
		assert_eq!(simulate().after, by_portfolio);
		assert_ok!(place_ten(&alice, call, Side::Sell, 2_000));
		let health = Margin::account_health(&MarginAccount::new(alice.clone(), 0)).unwrap();
		assert!(!health.liquidatable);
		// No fees in these markets: the simulation was exact.
		assert_eq!(
			(health.equity, health.initial, health.maintenance),
			(by_portfolio.equity, by_portfolio.initial, by_portfolio.maintenance)
		);
		assert!(health.initial < 15 * genesis_config_presets::DEV_USD_UNIT, "{health:?}");
		pallet_clearinghouse_margin::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_orderbook::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

/// What [`confidential_alice_long_on_her_floor`] leaves: the accounts, the DOT feeder, the
/// clock's start and Alice's hidden opening.
struct ConfidentialTrader {
	t0: u64,
	alice: AccountId,
	bob: AccountId,
	charlie: AccountId,
	who: pallet_clearinghouse_margin::MarginAccount<AccountId>,
	feeder: AccountId,
	encoded: Vec<u8>,
	hidden: clearinghouse_zk::prover::Opening,
}

/// Alice's wallet proves her sub-account 0 solvent over the DOT band `(low, high)` (in
/// thousandths) with `headroom`, from nothing but the chain's quote, and submits it; the quote.
fn prove_alice_band(
	alice: &AccountId,
	hidden: &clearinghouse_zk::prover::Opening,
	(low, high): (u128, u128),
	headroom: u128,
) -> pallet_clearinghouse_confidential::BandQuote {
	use clearinghouse_primitives::OracleKey;
	use clearinghouse_runtime::Confidential;
	use clearinghouse_zk::{prover, Operation, Statement};
	use polkadot_sdk::sp_runtime::FixedU128;
	let who = pallet_clearinghouse_margin::MarginAccount::new(alice.clone(), 0);
	let dot = OracleKey::from_symbol("DOT").unwrap();
	let (low, high) = (FixedU128::from_rational(low, 1000), FixedU128::from_rational(high, 1000));
	let quote = Confidential::band_quote(&who, dot, low, high, headroom).unwrap();
	let encoded = who.encode();
	let public = (dot, low, high, headroom).encode();
	let st = Statement {
		epoch: quote.epoch,
		..Confidential::statement(Operation::Band, &encoded, quote.version, &public)
	};
	let ends = [quote.surplus_low, quote.surplus_high]
		.map(|s| hidden.add_value(s - headroom as i128).expect("the wallet covers the band"));
	let (p, _) =
		prover::prove_range_with_rng(&st, &ends, &mut prover::seeded_rng(&encoded)).unwrap();
	assert_ok!(Confidential::prove_band(
		RuntimeOrigin::signed(alice.clone()),
		0,
		dot,
		low,
		high,
		headroom,
		pallet_clearinghouse_confidential::Proof::truncate_from(p)
	));
	quote
}

/// `feeder` feeds DOT at `m` thousandths (and `vol`, if any) in the current block.
fn dot_feed(feeder: &AccountId, m: u128, vol: Option<polkadot_sdk::sp_runtime::FixedU128>) {
	use clearinghouse_primitives::OracleKey;
	use polkadot_sdk::sp_runtime::FixedU128;
	assert_ok!(clearinghouse_runtime::Oracle::feed(
		RuntimeOrigin::signed(feeder.clone()),
		vec![pallet_clearinghouse_oracle::FeedValue {
			key: OracleKey::from_symbol("DOT").unwrap(),
			price: FixedU128::from_rational(m, 1000),
			vol,
		}]
		.try_into()
		.unwrap(),
	));
}

/// DOT at `m` thousandths, fed in the next block (one feed a block).
fn feed_dot(feeder: &AccountId, m: u128) {
	run_to_block(System::block_number() + 1);
	dot_feed(feeder, m, None);
}

/// A confidential account on the real runtime, with real proofs: Alice hides all her 1,000
/// USD, is refused an order with nothing public behind it, proves the band [6.500, 7.500] with
/// 500 USD of headroom (her floor: 500) and buys 500 DOT at 7.000 on it.
fn confidential_alice_long_on_her_floor() -> ConfidentialTrader {
	use clearinghouse_runtime::{Confidential, Margin};
	use clearinghouse_zk::{
		prover::{self, Opening},
		Operation, Scalar,
	};
	use pallet_clearinghouse_confidential::Proof;
	use pallet_clearinghouse_margin::MarginAccount;
	use pallet_clearinghouse_orderbook::{
		MarketKind, OrderRequest, OrderType, SelfTradePrevention, Side, TimeInForce,
	};
	use polkadot_sdk::{pallet_timestamp, sp_runtime::FixedU128};

	let t0 = 1_700_000_000_000u64;
	pallet_timestamp::Now::<Runtime>::put(t0);
	run_to_block(2);
	let usd = |n: u128| n * genesis_config_presets::DEV_USD_UNIT;
	let (alice, bob, charlie) = (
		account(Sr25519Keyring::Alice),
		account(Sr25519Keyring::Bob),
		account(Sr25519Keyring::Charlie),
	);
	let who = MarginAccount::new(alice.clone(), 0);
	let milli = |m: u128| FixedU128::from_rational(m, 1000);
	let perp = pallet_clearinghouse_orderbook::Markets::<Runtime>::count();
	assert_ok!(pallet_clearinghouse_orderbook::Pallet::<Runtime>::create_market(
		TrackOrigin::MarketAdmin.into(),
		dot_market(MarketKind::Perpetual)
	));
	let feeder = configure_dot_market(perp);
	feed_dot(&feeder, 7_000);
	deposit_usd(&alice, 1_000);
	deposit_usd(&bob, 10_000);
	let encoded = who.encode();
	let proof = |bytes: &[u8]| Proof::truncate_from(bytes.to_vec());

	// Enable (a proven commitment to zero) and hide all 1,000 USD.
	let key = [9u8; 32];
	let zero = Opening { value: 0, blinding: Scalar::from(0xa11ce_u64) };
	let st = Confidential::statement(Operation::Enable, &encoded, 0, &key);
	let p = prover::prove_opening(&st, &zero, &mut prover::seeded_rng(b"alice"));
	assert_ok!(Confidential::enable(
		RuntimeOrigin::signed(alice.clone()),
		0,
		key,
		zero.commitment().0,
		proof(&p)
	));
	assert_ok!(Confidential::shield(RuntimeOrigin::signed(alice.clone()), 0, usd(1_000)));
	let hidden = zero.add_value(usd(1_000) as i128).unwrap();
	assert_eq!(cash(&alice), 0);

	// Nothing public backs an order yet: refused.
	let buy = |quantity: u128, m: u128| {
		dispatch_signed(
			&alice,
			pallet_clearinghouse_orderbook::Call::<Runtime>::place_order {
				market: perp,
				sub: 0,
				order: OrderRequest {
					side: Side::Buy,
					order_type: OrderType::Limit { price: milli(m) },
					quantity,
					time_in_force: TimeInForce::Gtc,
					reduce_only: false,
					client_id: None,
					self_trade: SelfTradePrevention::CancelResting,
				},
			},
		)
	};
	assert_ok!(dispatch_signed(
		&bob,
		pallet_clearinghouse_orderbook::Call::<Runtime>::place_order {
			market: perp,
			sub: 0,
			order: OrderRequest {
				side: Side::Sell,
				order_type: OrderType::Limit { price: milli(7_000) },
				quantity: 500_000,
				time_in_force: TimeInForce::Gtc,
				reduce_only: false,
				client_id: None,
				self_trade: SelfTradePrevention::CancelResting,
			},
		}
	));
	assert_eq!(
		buy(500_000, 7_000),
		Err(pallet_clearinghouse_margin::Error::<Runtime>::InsufficientMargin.into())
	);

	// The band [6.500, 7.500] with 500 USD of headroom: the chain values her (empty) book at
	// both ends; her wallet proves c − 500 ≥ 0 there. Floor: 500.
	let quote = prove_alice_band(&alice, &hidden, (6_500, 7_500), usd(500));
	assert_eq!((quote.surplus_low, quote.surplus_high), (0, 0));
	assert_eq!(quote.floor, usd(500));
	// The margin engine now counts 500 of her hidden balance: 500 DOT long (350 IM) trades.
	assert_eq!(Margin::account_health(&who).unwrap().equity, usd(500) as i128);
	assert_ok!(buy(500_000, 7_000));

	ConfidentialTrader { t0, alice, bob, charlie, who, feeder, encoded, hidden }
}

/// A confidential account end to end on the real runtime, with real proofs: Alice hides 1,000
/// USD, proves a band with headroom (her floor: 500), trades on it, and when DOT falls through
/// her floor she gets a grace period before liquidation; liquidation then takes the floor, no
/// more, and what stays hidden is hers and provably not negative.
#[test]
fn a_confidential_account_trades_on_its_proven_floor_and_is_liquidated_only_after_grace() {
	use clearinghouse_primitives::collateral::BandValuation;
	use clearinghouse_runtime::{Confidential, Margin};
	use clearinghouse_zk::{prover, Operation};
	use pallet_clearinghouse_confidential::{Event as ConfidentialEvent, PoolTotal, Proof};
	use polkadot_sdk::pallet_timestamp;

	dev_ext().execute_with(|| {
		let ConfidentialTrader { t0, alice, charlie, who, feeder, encoded, hidden, .. } =
			confidential_alice_long_on_her_floor();
		let usd = |n: u128| n * genesis_config_presets::DEV_USD_UNIT;
		let feed = |m: u128| feed_dot(&feeder, m);
		let proof = |bytes: &[u8]| Proof::truncate_from(bytes.to_vec());

		// DOT falls to 6.300 (in steps the oracle's circuit breaker lets through: under 10% a
		// window): 350 lost, equity 150 at the floor, below maintenance (157.5).
		for (at, m) in [(10_000, 6_400), (320_000, 6_300)] {
			pallet_timestamp::Now::<Runtime>::put(t0 + at);
			feed(m);
		}
		assert!(<Margin as BandValuation<AccountId>>::is_liquidatable(&who));
		let keeper = RuntimeOrigin::signed(charlie.clone());
		// Her floor is proven: the first liquidation attempt starts a grace period, the next
		// ones wait for it.
		assert_ok!(Margin::liquidate(keeper.clone(), who.clone()));
		assert!(events().iter().any(|e| matches!(
			e,
			RuntimeEvent::Confidential(ConfidentialEvent::GraceStarted { .. })
		)));
		assert!(pallet_clearinghouse_margin::Accounts::<Runtime>::get(&who)
			.iter()
			.any(|e| e.quantity == 500_000));
		assert_eq!(
			Margin::liquidate(keeper.clone(), who.clone()).map_err(|e| e.error),
			Err(pallet_clearinghouse_margin::Error::<Runtime>::LiquidationDeferred.into())
		);

		// She does not prove a new band. Past the grace period DOT is at 5.700 (650 lost, more
		// than her floor): liquidation closes her out and the floor — no more — covers the debt.
		for (at, m) in [(630_000, 5_800), (940_000, 5_700)] {
			pallet_timestamp::Now::<Runtime>::put(t0 + at);
			feed(m);
		}
		let mut steps = 0;
		while pallet_clearinghouse_margin::Accounts::<Runtime>::get(&who)
			.iter()
			.any(|e| e.quantity != 0)
		{
			assert_ok!(Margin::liquidate(keeper.clone(), who.clone()));
			steps += 1;
			assert!(steps < 10, "liquidation converges");
		}
		let seized: Vec<u128> = events()
			.into_iter()
			.filter_map(|e| match e {
				RuntimeEvent::Confidential(ConfidentialEvent::Seized { amount, .. }) => {
					Some(amount)
				},
				_ => None,
			})
			.collect();
		assert_eq!(seized, vec![usd(500)]);
		assert_eq!(PoolTotal::<Runtime>::get(), usd(500));
		assert_eq!(Confidential::state(&who).unwrap().floor, 0);
		// What stays hidden (500) is hers: she proves the remainder and takes it out.
		let rest = hidden.add_value(-(usd(500) as i128)).unwrap();
		let version = Confidential::state(&who).unwrap().version;
		let amount = usd(500);
		let public = amount.encode();
		let st = Confidential::statement(Operation::Unshield, &encoded, version, &public);
		let (p, _) = prover::prove_range_with_rng(
			&st,
			&[rest.add_value(-(amount as i128)).unwrap()],
			&mut prover::seeded_rng(b"out"),
		)
		.unwrap();
		assert_ok!(Confidential::unshield(
			RuntimeOrigin::signed(alice.clone()),
			0,
			amount,
			proof(&p)
		));
		assert_eq!(PoolTotal::<Runtime>::get(), 0);
		pallet_clearinghouse_confidential::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_vaults::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_margin::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

/// Out of its band, a confidential account keeps its position by proving a new band within its
/// grace period, built from the chain's quote as a wallet would: the grace period ends, a
/// keeper's liquidation is refused, and the owner can still send a hidden amount out of what is
/// above the new floor (the receiver accepts it). The pool never moves.
#[test]
fn out_of_its_band_a_new_proof_within_grace_keeps_a_confidential_account_open() {
	use clearinghouse_primitives::collateral::BandValuation;
	use clearinghouse_runtime::{Confidential, Margin};
	use clearinghouse_zk::{
		prover::{self, Opening},
		Operation, Scalar,
	};
	use pallet_clearinghouse_confidential::{PoolTotal, Proof, Sealed};
	use pallet_clearinghouse_margin::MarginAccount;
	use polkadot_sdk::pallet_timestamp;

	dev_ext().execute_with(|| {
		let ConfidentialTrader { t0, alice, bob, charlie, who, feeder, encoded, hidden } =
			confidential_alice_long_on_her_floor();
		let usd = |n: u128| n * genesis_config_presets::DEV_USD_UNIT;
		let proof = |bytes: &[u8]| Proof::truncate_from(bytes.to_vec());
		let long = || {
			pallet_clearinghouse_margin::Accounts::<Runtime>::get(&who)
				.iter()
				.any(|e| e.quantity == 500_000)
		};
		// DOT falls to 6.300: out of her band, below maintenance at her floor; the first
		// liquidation attempt starts her grace period.
		for (at, m) in [(10_000, 6_400), (320_000, 6_300)] {
			pallet_timestamp::Now::<Runtime>::put(t0 + at);
			feed_dot(&feeder, m);
		}
		let keeper = RuntimeOrigin::signed(charlie.clone());
		assert_ok!(Margin::liquidate(keeper.clone(), who.clone()));
		let deadline = Confidential::state(&who).unwrap().grace_until.expect("grace started");

		// Within it she proves [6.000, 6.600], no headroom. The quote is all her wallet needs:
		// at 6.000 she is 500 down with 300 of initial margin to hold, so her floor is 800.
		let quote = prove_alice_band(&alice, &hidden, (6_000, 6_600), 0);
		assert_eq!(quote.surplus_low, -(usd(800) as i128));
		assert_eq!(quote.floor, usd(800));
		// Open again: no grace period, nothing to liquidate, even past the old deadline.
		assert_eq!(Confidential::state(&who).unwrap().grace_until, None);
		pallet_timestamp::Now::<Runtime>::put(deadline + 1);
		feed_dot(&feeder, 6_300);
		assert!(!<Margin as BandValuation<AccountId>>::is_liquidatable(&who));
		assert_eq!(
			Margin::liquidate(keeper, who.clone()).map_err(|e| e.error),
			Err(pallet_clearinghouse_margin::Error::<Runtime>::NotLiquidatable.into())
		);
		assert!(long());

		// She sends Bob 100 of the 200 above her floor; he accepts it.
		let to = MarginAccount::new(bob.clone(), 0);
		let bob_zero = Opening { value: 0, blinding: Scalar::from(0xb0b_u64) };
		let bob_encoded = to.encode();
		let st = Confidential::statement(Operation::Enable, &bob_encoded, 0, &[5u8; 32]);
		let p = prover::prove_opening(&st, &bob_zero, &mut prover::seeded_rng(b"bob"));
		assert_ok!(Confidential::enable(
			RuntimeOrigin::signed(bob.clone()),
			0,
			[5u8; 32],
			bob_zero.commitment().0,
			proof(&p)
		));
		let amount = Opening { value: usd(100) as u64, blinding: Scalar::from(0x100_u64) };
		let rest = Opening {
			value: hidden.value - amount.value,
			blinding: hidden.blinding - amount.blinding,
		};
		let sealed = Sealed::truncate_from(vec![7; 100]);
		let public = (&to, amount.commitment().0, &sealed).encode();
		let version = Confidential::state(&who).unwrap().version;
		let st = Confidential::statement(Operation::Transfer, &encoded, version, &public);
		let kept = rest.add_value(-(usd(800) as i128)).unwrap();
		let (p, _) =
			prover::prove_range_with_rng(&st, &[amount, kept], &mut prover::seeded_rng(b"send"))
				.unwrap();
		assert_ok!(Confidential::transfer(
			RuntimeOrigin::signed(alice.clone()),
			0,
			to.clone(),
			amount.commitment().0,
			sealed,
			proof(&p)
		));
		let id = pallet_clearinghouse_confidential::NextTransferId::<Runtime>::get() - 1;
		let public = id.encode();
		let st = Confidential::statement(Operation::Accept, &bob_encoded, 0, &public);
		let p = prover::prove_knowledge(&st, &amount, &mut prover::seeded_rng(b"accept"));
		assert_ok!(Confidential::accept(RuntimeOrigin::signed(bob.clone()), 0, id, proof(&p)));
		let bob_hidden =
			Opening { value: amount.value, blinding: bob_zero.blinding + amount.blinding };
		assert_eq!(Confidential::state(&to).unwrap().commitment, bob_hidden.commitment().0);
		assert_eq!(Confidential::state(&who).unwrap().commitment, rest.commitment().0);
		assert_eq!(PoolTotal::<Runtime>::get(), usd(1_000));
		assert!(long());
		pallet_clearinghouse_confidential::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_vaults::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_margin::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

/// The DOT perpetual listed as market 0 by the market_admin track, configured by the
/// risk_admin track, the oracle feeding DOT at 7.250. Returns a feed of DOT's price (in
/// thousandths) by its feeder.
fn dot_perpetual_fed_at_7_250() -> impl Fn(u128) {
	use clearinghouse_runtime::{Oracle, Orderbook};
	use polkadot_sdk::{pallet_timestamp, sp_runtime::FixedU128};
	pallet_timestamp::Now::<Runtime>::put(1_700_000_000_000u64);
	assert_ok!(Orderbook::create_market(
		TrackOrigin::MarketAdmin.into(),
		dot_market(pallet_clearinghouse_orderbook::MarketKind::Perpetual)
	));
	let feeder = configure_dot_market(0);
	let dot = clearinghouse_primitives::OracleKey::from_symbol("DOT").unwrap();
	let feed = move |milli: u128| {
		assert_ok!(Oracle::feed(
			RuntimeOrigin::signed(feeder.clone()),
			vec![pallet_clearinghouse_oracle::FeedValue {
				key: dot,
				price: FixedU128::from_rational(milli, 1000),
				vol: None
			}]
			.try_into()
			.unwrap(),
		));
	};
	feed(7_250);
	feed
}

/// A stop-loss on the real engine: Bob is long 3 DOT; his reduce-only stop on the index at
/// 7.000 waits while DOT trades at 7.250, and the first block after the oracle prints 6.950
/// places it, closing his long into Charlie's bid through the book and the margin engine.
#[test]
fn a_stop_loss_on_the_index_closes_a_long_through_the_book_in_the_block_the_oracle_crosses() {
	use clearinghouse_runtime::{Margin, Orderbook};
	use pallet_clearinghouse_orderbook::{
		Call as OrderbookCall, ConditionalKind, ConditionalSpec, Event as BookEvent, OrderRequest,
		OrderType, SelfTradePrevention, Side, TimeInForce, TriggerSource,
	};
	use polkadot_sdk::sp_runtime::FixedU128;

	dev_ext().execute_with(|| {
		let feed = dot_perpetual_fed_at_7_250();
		let (alice, bob, charlie) = (
			account(Sr25519Keyring::Alice),
			account(Sr25519Keyring::Bob),
			account(Sr25519Keyring::Charlie),
		);
		for who in [&alice, &bob, &charlie] {
			deposit_usd(who, 1_000);
		}
		let limit = |side, milli: u128, size| OrderRequest {
			side,
			order_type: OrderType::Limit { price: FixedU128::from_rational(milli, 1000) },
			quantity: size,
			time_in_force: TimeInForce::Gtc,
			reduce_only: false,
			client_id: None,
			self_trade: SelfTradePrevention::CancelResting,
		};
		let place = |who: &AccountId, order| {
			assert_ok!(dispatch_signed(
				who,
				OrderbookCall::<Runtime>::place_order { market: 0, sub: 0, order }
			));
		};
		place(&alice, limit(Side::Sell, 7_250, 3_000));
		place(&bob, limit(Side::Buy, 7_250, 3_000));
		let bob_account = pallet_clearinghouse_margin::MarginAccount::new(bob.clone(), 0);
		assert_eq!(Margin::account_health(&bob_account).unwrap().positions[0].quantity, 3_000);
		// Bob's stop: sell his 3 DOT at market (no worse than 6.000) when the index falls to 7.
		let stop = ConditionalSpec {
			sub: 0,
			kind: ConditionalKind::Stop,
			source: TriggerSource::Index,
			trigger_price: FixedU128::from_u32(7),
			order: OrderRequest {
				order_type: OrderType::Market { protection_price: FixedU128::from_u32(6) },
				time_in_force: TimeInForce::Ioc,
				reduce_only: true,
				..limit(Side::Sell, 6_000, 3_000)
			},
			expires_at: None,
		};
		// A stop above the index would fire at once: refused.
		let mut wrong = stop;
		wrong.trigger_price = FixedU128::from_rational(7_300, 1000);
		assert_eq!(
			dispatch_signed(
				&bob,
				OrderbookCall::<Runtime>::place_conditional { market: 0, spec: wrong, oco: None }
			),
			Err(pallet_clearinghouse_orderbook::Error::<Runtime>::TriggerOnWrongSide.into())
		);
		assert_ok!(dispatch_signed(
			&bob,
			OrderbookCall::<Runtime>::place_conditional { market: 0, spec: stop, oco: None }
		));
		place(&charlie, limit(Side::Buy, 6_900, 3_000));
		let idle = || {
			let n = System::block_number() + 1;
			run_to_block(n);
			Orderbook::on_idle(n, Weight::MAX);
		};
		idle();
		assert_eq!(Orderbook::conditional_orders(&bob).len(), 1);
		// The oracle prints 6.950: the next block's idle fires and places the stop.
		feed(6_950);
		System::reset_events();
		idle();
		let book_events: Vec<BookEvent<Runtime>> = events()
			.into_iter()
			.filter_map(|e| match e {
				RuntimeEvent::Orderbook(e) => Some(e),
				_ => None,
			})
			.collect();
		assert!(book_events
			.iter()
			.any(|e| matches!(e, BookEvent::ConditionalExecuted { id: 0, .. })));
		assert!(book_events.iter().any(|e| matches!(
			e,
			BookEvent::Traded { quantity: 3_000, taker, maker, .. }
				if taker.owner == bob && maker.owner == charlie
		)));
		assert!(Margin::account_health(&bob_account).unwrap().positions.is_empty());
		assert!(Orderbook::conditional_orders(&bob).is_empty());
	});
}

/// The per-block cap on the real runtime: twenty of Bob's stops on the index fire together; the
/// first block's idle time places `MaxTriggersPerBlock` of them (each selling one DOT into
/// Charlie's bid), the next block the rest, in the order they were placed. Prints the weight the
/// idle hook used for them.
#[test]
fn twenty_stops_at_one_price_are_placed_at_the_cap_per_block_in_order() {
	use clearinghouse_runtime::Orderbook;
	use frame_support::dispatch::DispatchClass;
	use pallet_clearinghouse_orderbook::{
		Call as OrderbookCall, ConditionalKind, ConditionalSpec, Event as BookEvent, OrderRequest,
		OrderType, SelfTradePrevention, Side, TimeInForce, TriggerSource,
	};
	use polkadot_sdk::sp_runtime::FixedU128;

	dev_ext().execute_with(|| {
		let feed = dot_perpetual_fed_at_7_250();
		let (bob, charlie) = (account(Sr25519Keyring::Bob), account(Sr25519Keyring::Charlie));
		deposit_usd(&bob, 1_000);
		deposit_usd(&charlie, 1_000);
		let order = OrderRequest {
			side: Side::Sell,
			order_type: OrderType::Market { protection_price: FixedU128::from_u32(6) },
			quantity: 1_000,
			time_in_force: TimeInForce::Ioc,
			reduce_only: false,
			client_id: None,
			self_trade: SelfTradePrevention::CancelResting,
		};
		let stop = ConditionalSpec {
			sub: 0,
			kind: ConditionalKind::Stop,
			source: TriggerSource::Index,
			trigger_price: FixedU128::from_u32(7),
			order,
			expires_at: None,
		};
		let next = || {
			let n = System::block_number() + 1;
			run_to_block(n);
			n
		};
		for _ in 0..20 {
			assert_ok!(dispatch_signed(
				&bob,
				OrderbookCall::<Runtime>::place_conditional { market: 0, spec: stop, oco: None }
			));
			next();
		}
		assert_ok!(dispatch_signed(
			&charlie,
			OrderbookCall::<Runtime>::place_order {
				market: 0,
				sub: 0,
				order: OrderRequest {
					side: Side::Buy,
					order_type: OrderType::Limit { price: FixedU128::from_rational(6_900, 1000) },
					time_in_force: TimeInForce::Gtc,
					quantity: 20_000,
					..order
				}
			}
		));
		feed(6_950);
		let block = <Runtime as frame_system::Config>::BlockWeights::get();
		let idle_room = block.max_block;
		let cap: u32 =
			<Runtime as pallet_clearinghouse_orderbook::Config>::MaxTriggersPerBlock::get();
		let executed = || -> Vec<u64> {
			events()
				.into_iter()
				.filter_map(|e| match e {
					RuntimeEvent::Orderbook(BookEvent::ConditionalExecuted { id, .. }) => Some(id),
					_ => None,
				})
				.collect()
		};
		let mut order_seen = Vec::new();
		for expected in [cap, 20 - cap] {
			System::reset_events();
			let n = next();
			// What `on_idle` runs first, with a whole block's room.
			let run = Orderbook::run_triggers(idle_room, cap, None);
			let ids = executed();
			println!(
				"block {n}: {} fired, {} placed, using {:?} of the block's {:?} (normal class {:?})",
				run.fired,
				ids.len(),
				run.weight,
				idle_room,
				block.get(DispatchClass::Normal).max_total
			);
			assert_eq!(run.executed as usize, ids.len());
			assert_eq!(ids.len() as u32, expected);
			order_seen.extend(ids);
		}
		assert_eq!(order_seen, (0..20).collect::<Vec<u64>>());
		assert!(Orderbook::conditional_orders(&bob).is_empty());
	});
}

#[test]
fn a_keeper_trigger_call_of_the_most_placements_is_a_valid_transaction() {
	use frame_support::dispatch::DispatchClass;
	dev_ext().execute_with(|| {
		let max = <Runtime as frame_system::Config>::BlockWeights::get()
			.get(DispatchClass::Normal)
			.max_extrinsic
			.expect("normal extrinsics are limited");
		let most: u32 =
			<Runtime as pallet_clearinghouse_orderbook::Config>::MaxTriggersPerCall::get();
		let call =
			RuntimeCall::Orderbook(pallet_clearinghouse_orderbook::Call::execute_triggered {
				market: 0,
				max: most,
			});
		let info = call.get_dispatch_info();
		println!("execute_triggered of {most} declares {:?} of {max:?}", info.total_weight());
		assert!(info.total_weight().all_lte(max), "{:?} > {max:?}", info.total_weight());
		assert_eq!(info.pays_fee, frame_support::dispatch::Pays::Yes);
	});
}

/// Adding a feeder re-reads every key and tells the margin engine: declared at 128 keys of 8
/// markets it was 4.7 MB of proof and two could not be added in one call (the feeder tool's
/// set-up of three feeders was refused). Bounded by the markets there can be, a governance call
/// adding several fits one transaction.
#[test]
fn adding_three_feeders_in_one_call_is_a_valid_transaction() {
	use frame_support::dispatch::DispatchClass;
	dev_ext().execute_with(|| {
		let max = <Runtime as frame_system::Config>::BlockWeights::get()
			.get(DispatchClass::Normal)
			.max_extrinsic
			.expect("normal extrinsics are limited");
		let add = |k: Sr25519Keyring| {
			RuntimeCall::Oracle(pallet_clearinghouse_oracle::Call::add_feeder {
				feeder: account(k),
			})
		};
		let one = add(Sr25519Keyring::Dave).get_dispatch_info().total_weight();
		let call = RuntimeCall::Utility(polkadot_sdk::pallet_utility::Call::batch_all {
			calls: vec![
				add(Sr25519Keyring::Dave),
				add(Sr25519Keyring::Eve),
				add(Sr25519Keyring::Ferdie),
			],
		});
		let declared = call.get_dispatch_info().total_weight();
		println!("add_feeder declares {one:?}; three in a batch {declared:?} of {max:?}");
		assert!(declared.all_lte(max), "{declared:?} > {max:?}");
	});
}

/// A conditional order holds a deposit of its owner's native balance while it waits (what
/// keeps the chain's trigger queue from being filled for free), released when it ends.
#[test]
fn a_conditional_order_holds_its_deposit_until_it_ends() {
	use clearinghouse_runtime::{Balances, Orderbook, RuntimeHoldReason};
	use frame_support::traits::fungible::InspectHold;
	use pallet_clearinghouse_orderbook::{
		Call as OrderbookCall, ConditionalKind, ConditionalSpec, OrderRequest, OrderType,
		SelfTradePrevention, Side, TimeInForce, TriggerSource,
	};
	use polkadot_sdk::sp_runtime::FixedU128;

	dev_ext().execute_with(|| {
		let _feed = dot_perpetual_fed_at_7_250();
		let eve = account(Sr25519Keyring::Eve);
		let reason = RuntimeHoldReason::Orderbook(
			pallet_clearinghouse_orderbook::HoldReason::ConditionalOrders,
		);
		let held = || Balances::balance_on_hold(&reason, &eve);
		let spec = |trigger: u32| ConditionalSpec {
			sub: 0,
			kind: ConditionalKind::Stop,
			source: TriggerSource::Index,
			trigger_price: FixedU128::from_u32(trigger),
			order: OrderRequest {
				side: Side::Sell,
				order_type: OrderType::Market { protection_price: FixedU128::from_u32(1) },
				quantity: 1_000,
				time_in_force: TimeInForce::Ioc,
				reduce_only: true,
				client_id: None,
				self_trade: SelfTradePrevention::CancelResting,
			},
			expires_at: None,
		};
		let deposit = |n: usize| {
			let f = Orderbook::deposit_footprint(n);
			clearinghouse_runtime::UNIT / 10
				+ clearinghouse_runtime::UNIT / 1_000 * u128::from(f.count * f.size)
		};
		assert_eq!(held(), 0);
		for (i, trigger) in [7u32, 6].into_iter().enumerate() {
			assert_ok!(dispatch_signed(
				&eve,
				OrderbookCall::<Runtime>::place_conditional {
					market: 0,
					spec: spec(trigger),
					oco: None
				}
			));
			assert_eq!(held(), deposit(i + 1), "order {i}");
		}
		println!("deposit: {} for one order, {} for two", deposit(1), deposit(2));
		assert_ok!(dispatch_signed(&eve, OrderbookCall::<Runtime>::cancel_conditional { id: 0 }));
		assert_eq!(held(), deposit(1));
		assert_ok!(dispatch_signed(&eve, OrderbookCall::<Runtime>::cancel_conditional { id: 1 }));
		assert_eq!(held(), 0);
	});
}
