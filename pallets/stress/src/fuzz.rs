//! The runtime fuzz targets' bodies (`pallets/fuzz` wraps them for libFuzzer; the tests here
//! replay their committed corpora on every `scripts/test`). Each starts from a snapshot of the
//! dev chain set up once, applies the input, and panics — a crash to the fuzzer — if the
//! runtime panics or any invariant breaks:
//! * [`calls`]: sequences of every clearinghouse pallet's extrinsics (structured trading
//!   actions and raw SCALE-decoded calls of any of the pallets, from traders and from every
//!   governance origin), blocks and price moves between them; every `try_state` and the
//!   cross-pallet invariants after each step.
//! * [`ismp`]: an ISMP POST (or its timeout) into the collateral bridge's module, its body raw
//!   or a structured `Message`, called as `pallet-ismp`'s handler calls it (no storage layer).
//! * [`xcm`]: any `VersionedXcm` program into this runtime's XCM executor from a sibling, the
//!   relay chain or a local account, with a reserve-backed foreign collateral registered.

use crate::{
	invariants,
	world::{dev_storage, fixed, sim_account, usd, Listing, World},
};
use arbitrary::Unstructured;
use clearinghouse_runtime::{
	configs::{
		ismp::{test_bridged_asset, BridgeModuleId, HostStateMachine, Router},
		vaults::CollateralAsset,
	},
	AccountId, Bridge, Confidential, Margin, Oracle, Orderbook, Runtime, RuntimeCall,
	RuntimeOrigin, System, Vaults,
};
use codec::{DecodeLimit, Encode};
use ismp::{
	host::StateMachine,
	router::{IsmpRouter, PostRequest, Request},
};
use pallet_clearinghouse_bridge::{Chain, Message, Route, U256};
use pallet_clearinghouse_orderbook::{
	Call as BookCall, OrderRef, OrderRequest, OrderType, SelfTradePrevention, Side, TimeInForce,
};
use pallet_clearinghouse_origins::Origin as TrackOrigin;
use polkadot_sdk::{
	frame_support::traits::{Get, OnFinalize, OnIdle, OnInitialize},
	pallet_timestamp,
	sp_core::H256,
	sp_io::TestExternalities,
	sp_runtime::{traits::Dispatchable, StateVersion},
	staging_xcm::{latest::prelude::*, VersionedXcm, MAX_XCM_DECODE_DEPTH},
};
use std::sync::OnceLock;

/// A snapshot of a set-up chain: raw trie nodes and root.
type Snapshot = (Vec<(Vec<u8>, (Vec<u8>, i32))>, H256);

fn restore(snapshot: &Snapshot) -> TestExternalities {
	TestExternalities::from_raw_snapshot(snapshot.0.clone(), snapshot.1, StateVersion::V1)
}

fn take(mut ext: TestExternalities) -> Snapshot {
	ext.commit_all().expect("commits");
	ext.into_raw_snapshot()
}

/// Each pallet's `try_state` and the cross-pallet invariants; panics on the first broken one.
fn check_all(slack: u128) {
	let results = [
		("oracle", Oracle::do_try_state()),
		("vaults", Vaults::do_try_state()),
		("orderbook", Orderbook::do_try_state()),
		("margin", Margin::do_try_state()),
		("confidential", Confidential::do_try_state()),
		("bridge", Bridge::do_try_state()),
	];
	for (name, r) in results {
		if let Err(e) = r {
			panic!("{name} try_state: {e:?}");
		}
	}
	let held = pallet_clearinghouse_vaults::Pallet::<Runtime>::settlement_id()
		.and_then(pallet_clearinghouse_vaults::Collaterals::<Runtime>::get)
		.map_or(0, |c| c.held);
	if let Err(e) = invariants::cross_pallet(held, slack) {
		panic!("cross-pallet invariant: {e:?}");
	}
}

/// `FUZZ_DEBUG` set: print every call the `calls` target makes and its result.
fn debug() -> bool {
	static DEBUG: OnceLock<bool> = OnceLock::new();
	*DEBUG.get_or_init(|| std::env::var("FUZZ_DEBUG").is_ok())
}

/// Traders of the `calls` target.
const TRADERS: u32 = 4;

fn trader(i: u32) -> AccountId {
	sim_account(20, i % TRADERS)
}

/// The dev chain with BTC and ETH perpetuals (fed at 60,000 and 3,000), a BTC future expiring
/// in an hour and BTC calls and puts at 54,000 / 60,000 / 66,000 expiring in two days (markets
/// 0: BTC perpetual, 1: the future, 2–7: the options, 8: ETH perpetual), four traders with a
/// million dollars each, and an insurance fund.
fn calls_base() -> &'static Snapshot {
	static BASE: OnceLock<Snapshot> = OnceLock::new();
	BASE.get_or_init(|| {
		let listing = |key: &str, p: f64, initial| Listing {
			key: key.into(),
			low: p / 10.0,
			first: p,
			initial,
			maintenance: initial / 2.0,
			breaker: 0.25,
			derivatives: None,
		};
		let t0 = 1_767_225_600_000;
		let btc = Listing {
			derivatives: Some((t0 + 3_600_000, t0 + 2 * 86_400_000)),
			..listing("BTC", 60_000.0, 0.1)
		};
		let mut world = World::new(t0, &[btc, listing("ETH", 3_000.0, 0.2)], 50_000.0);
		assert_eq!(world.markets.len(), MARKETS as usize);
		for i in 0..TRADERS {
			world.fund(&trader(i), 1_000_000.0, true);
		}
		let ext = std::mem::take(&mut world.ext);
		take(ext)
	})
}

/// An order of the `calls` target near `reference` (in `market`'s units), any type, time in
/// force and flags, now and then off the tick.
fn order(u: &mut Unstructured, reference: f64, market: u32, now: u64) -> OrderRequest {
	let side = if u.arbitrary::<bool>().unwrap_or(false) { Side::Buy } else { Side::Sell };
	let bps = u.int_in_range(-800i32..=800).unwrap_or(0) as f64;
	let price = fixed(reference * (1.0 + bps / 10_000.0));
	// On the market's tick or deliberately off it.
	let tick = pallet_clearinghouse_orderbook::Markets::<Runtime>::get(market)
		.map_or(1, |m| m.config.tick_size.into_inner().max(1));
	let price = if !u.ratio(1u8, 8).unwrap_or(false) {
		polkadot_sdk::sp_runtime::FixedU128::from_inner(price.into_inner() / tick * tick)
	} else {
		price
	};
	let order_type = if u.ratio(1u8, 4).unwrap_or(false) {
		OrderType::Market { protection_price: price }
	} else {
		OrderType::Limit { price }
	};
	let time_in_force = match u.int_in_range(0u8..=4).unwrap_or(0) {
		0 => TimeInForce::Gtc,
		1 => TimeInForce::Ioc,
		2 => TimeInForce::Fok,
		3 => TimeInForce::PostOnly,
		_ => TimeInForce::Gtt(now + u.int_in_range(0u64..=120_000).unwrap_or(0)),
	};
	OrderRequest {
		side,
		order_type,
		quantity: u.int_in_range(0u128..=5_000_000).unwrap_or(1),
		time_in_force,
		reduce_only: u.ratio(1u8, 4).unwrap_or(false),
		client_id: u.arbitrary::<Option<u8>>().unwrap_or(None).map(u64::from),
		self_trade: match u.int_in_range(0u8..=2).unwrap_or(0) {
			0 => SelfTradePrevention::CancelResting,
			1 => SelfTradePrevention::CancelTaker,
			_ => SelfTradePrevention::CancelBoth,
		},
	}
}

/// Markets of the `calls` target's chain.
const MARKETS: u32 = 9;

/// Prices the `calls` target moves: BTC and ETH, in their fed units.
const KEYS: [(&str, f64); 2] = [("BTC", 60_000.0), ("ETH", 3_000.0)];

/// The clearinghouse pallets' indices in `RuntimeCall` (raw calls are decoded under them).
fn pallet_indices() -> Vec<u8> {
	use clearinghouse_runtime::{Insurance, PalletInfo};
	use polkadot_sdk::frame_support::traits::PalletInfo as _;
	[
		PalletInfo::index::<Oracle>(),
		PalletInfo::index::<Vaults>(),
		PalletInfo::index::<Orderbook>(),
		PalletInfo::index::<Margin>(),
		PalletInfo::index::<Insurance>(),
		PalletInfo::index::<Confidential>(),
		PalletInfo::index::<Bridge>(),
	]
	.into_iter()
	.map(|i| i.expect("a pallet of the runtime") as u8)
	.collect()
}

/// The `calls` target: up to 64 steps, each a trading action, a raw call of any clearinghouse
/// pallet from any origin, or a new block with new prices. Returns the fills it caused.
pub fn calls(data: &[u8]) -> u128 {
	let mut ext = restore(calls_base());
	let indices = pallet_indices();
	ext.execute_with(|| {
		let mut u = Unstructured::new(data);
		let mut prices = KEYS.map(|(_, p)| p);
		let mut block = System::block_number();
		let mut now = pallet_timestamp::Now::<Runtime>::get();
		let mut fills = 0u128;
		for _ in 0..64 {
			if u.is_empty() {
				break;
			}
			let Ok(step) = u.int_in_range(0u8..=15) else { break };
			let who = trader(u.int_in_range(0..=TRADERS - 1).unwrap_or(0));
			// Any listed market; now and then one that does not exist.
			let market = match u.int_in_range(0u32..=2 * MARKETS).unwrap_or(0) {
				m if m == 2 * MARKETS => MARKETS,
				m => m % MARKETS,
			};
			let reference = match market {
				0 | 1 => prices[0],
				m if m == MARKETS - 1 => prices[1],
				_ => clearinghouse_runtime::Margin::option_chain(
					clearinghouse_primitives::OracleKey::from_symbol("BTC").expect("symbol"),
				)
				.iter()
				.find(|q| q.market == market)
				.map_or(prices[0] / 20.0, |q| crate::world::float(q.mark).max(1.0)),
			};
			let call: Option<(RuntimeOrigin, RuntimeCall)> = match step {
				0..=4 => {
					let order = order(&mut u, reference, market, now);
					let sub = u.int_in_range(0u8..=1).unwrap_or(0);
					Some((
						RuntimeOrigin::signed(who),
						RuntimeCall::Orderbook(BookCall::place_order { market, sub, order }),
					))
				},
				5 => {
					// A market maker's call: cancels by client id, then up to 8 placements,
					// checked by the margin engine once, on their outcome.
					let cancels: Vec<OrderRef> = (0..u.int_in_range(0u8..=2).unwrap_or(0))
						.map(|_| OrderRef::ClientId(u.int_in_range(0u64..=255).unwrap_or(0)))
						.collect();
					let places: Vec<OrderRequest> = (0..u.int_in_range(1u8..=8).unwrap_or(1))
						.map(|_| order(&mut u, reference, market, now))
						.collect();
					let sub = u.int_in_range(0u8..=1).unwrap_or(0);
					Some((
						RuntimeOrigin::signed(who),
						RuntimeCall::Orderbook(BookCall::bulk {
							market,
							sub,
							cancels: polkadot_sdk::frame_support::BoundedVec::truncate_from(
								cancels,
							),
							places: polkadot_sdk::frame_support::BoundedVec::truncate_from(places),
						}),
					))
				},
				6 => Some((
					RuntimeOrigin::signed(who),
					if u.arbitrary::<bool>().unwrap_or(false) {
						RuntimeCall::Orderbook(BookCall::cancel_all { market, sub: 0 })
					} else {
						let order = if u.arbitrary::<bool>().unwrap_or(false) {
							OrderRef::Id(u.int_in_range(0u64..=64).unwrap_or(0))
						} else {
							OrderRef::ClientId(u.int_in_range(0u64..=255).unwrap_or(0))
						};
						RuntimeCall::Orderbook(BookCall::cancel_order { market, sub: 0, order })
					},
				)),
				7 => {
					let account = pallet_clearinghouse_margin::MarginAccount::new(
						trader(u.int_in_range(0..=TRADERS - 1).unwrap_or(0)),
						u.int_in_range(0u8..=1).unwrap_or(0),
					);
					Some((
						RuntimeOrigin::signed(who),
						if u.ratio(1u8, 4).unwrap_or(false) {
							RuntimeCall::Margin(pallet_clearinghouse_margin::Call::settle {
								market,
								steps: u.int_in_range(0u32..=64).unwrap_or(1),
							})
						} else if u.arbitrary::<bool>().unwrap_or(true) {
							RuntimeCall::Margin(pallet_clearinghouse_margin::Call::liquidate {
								account,
							})
						} else if u.ratio(1u8, 4).unwrap_or(false) {
							RuntimeCall::Margin(
								pallet_clearinghouse_margin::Call::deleverage_fund {},
							)
						} else {
							RuntimeCall::Margin(pallet_clearinghouse_margin::Call::deleverage {
								market,
								steps: u.int_in_range(0u32..=64).unwrap_or(1),
							})
						},
					))
				},
				8 => {
					let amount = usd(u.int_in_range(0u32..=2_000_000).unwrap_or(0) as f64);
					let sub = u.int_in_range(0u8..=1).unwrap_or(0);
					Some((
						RuntimeOrigin::signed(who),
						match u.int_in_range(0u8..=2).unwrap_or(0) {
							0 => RuntimeCall::Vaults(pallet_clearinghouse_vaults::Call::deposit {
								collateral: 0,
								amount,
								sub,
							}),
							1 => RuntimeCall::Vaults(pallet_clearinghouse_vaults::Call::withdraw {
								collateral: 0,
								amount,
								sub,
							}),
							_ => RuntimeCall::Vaults(pallet_clearinghouse_vaults::Call::transfer {
								collateral: 0,
								amount,
								from_sub: sub,
								to_sub: 1 - sub,
							}),
						},
					))
				},
				9..=11 => {
					// A new block, some seconds to minutes on, prices moved by up to ±30%.
					block += 1;
					now += u.int_in_range(1u64..=600_000).unwrap_or(6_000);
					for p in prices.iter_mut() {
						let permille = u.int_in_range(-300i32..=300).unwrap_or(0) as f64;
						*p = (*p * (1.0 + permille / 1_000.0)).max(1.0);
					}
					System::set_block_number(block);
					pallet_timestamp::Now::<Runtime>::put(now);
					type Hooked = (
						Oracle,
						Vaults,
						Orderbook,
						Margin,
						clearinghouse_runtime::Insurance,
						Confidential,
					);
					<Hooked as OnInitialize<u32>>::on_initialize(block);
					if !u.ratio(1u8, 8).unwrap_or(false) {
						// BTC carries its implied vol (10% to 300%).
						let vol = u.int_in_range(10u32..=300).unwrap_or(60) as f64 / 100.0;
						let values: Vec<_> = KEYS
							.iter()
							.zip(prices)
							.enumerate()
							.map(|(i, ((k, _), p))| pallet_clearinghouse_oracle::FeedValue {
								key: clearinghouse_primitives::OracleKey::from_symbol(k)
									.expect("symbol"),
								price: fixed(p),
								vol: (i == 0).then(|| fixed(vol)),
							})
							.collect();
						for f in 0..3 {
							let call =
								RuntimeCall::Oracle(pallet_clearinghouse_oracle::Call::feed {
									values: values.clone().try_into().expect("two keys"),
								});
							let _ = call.dispatch(RuntimeOrigin::signed(sim_account(1, f)));
						}
					}
					let left = u.int_in_range(0u64..=4).unwrap_or(4);
					let limit =
						<Runtime as polkadot_sdk::frame_system::Config>::BlockWeights::get()
							.max_block;
					<Hooked as OnIdle<u32>>::on_idle(
						block,
						limit.saturating_div(4).saturating_mul(left),
					);
					<Hooked as OnFinalize<u32>>::on_finalize(block);
					None
				},
				_ => {
					// A raw call of one of the clearinghouse pallets, SCALE-decoded from the input.
					let index = *u.choose(&indices).unwrap_or(&indices[0]);
					let origin = match u.int_in_range(0u8..=4).unwrap_or(0) {
						0 | 1 => RuntimeOrigin::signed(who),
						2 => TrackOrigin::RiskAdmin.into(),
						3 => TrackOrigin::MarketAdmin.into(),
						_ => RuntimeOrigin::root(),
					};
					let len = u.int_in_range(0usize..=200).unwrap_or(0);
					let mut bytes = vec![index];
					bytes.extend_from_slice(u.bytes(len.min(u.len())).unwrap_or(&[]));
					RuntimeCall::decode_with_depth_limit(32, &mut &bytes[..])
						.ok()
						.map(|c| (origin, c))
				},
			};
			if let Some((origin, call)) = call {
				if debug() {
					let name = format!("{call:?}");
					eprint!("{} -> ", &name[..name.len().min(140)]);
				}
				let events = System::event_count();
				let r = call.dispatch(origin);
				if debug() {
					eprintln!(
						"{:?} {:?}",
						r.map(|_| ()).map_err(|e| e.error),
						System::events().len()
					);
				}
				fills += System::events()
					.iter()
					.skip(events as usize)
					.filter(|e| {
						matches!(
							e.event,
							clearinghouse_runtime::RuntimeEvent::Orderbook(
								pallet_clearinghouse_orderbook::Event::Traded { .. }
							)
						)
					})
					.count() as u128;
			}
			check_all(2 * fills);
		}
		fills
	})
}

/// The chain the ISMP target's route comes from, and its token contract.
const ETHEREUM: StateMachine = StateMachine::Evm(1);
const TOKEN: [u8; 20] = [0xab; 20];

/// The dev chain with Ethereum's token contract routed to the bridge-minted stablecoin (18
/// remote decimals, 6 here).
fn ismp_base() -> &'static Snapshot {
	static BASE: OnceLock<Snapshot> = OnceLock::new();
	BASE.get_or_init(|| {
		let mut ext = TestExternalities::new(dev_storage());
		ext.execute_with(|| {
			System::set_block_number(1);
			pallet_timestamp::Now::<Runtime>::put(1_790_000_000_000);
			let route = Route {
				asset: test_bridged_asset(),
				remote_decimals: 18,
				local_decimals: 6,
				timeout_secs: 3_600,
			};
			Bridge::set_route(
				RuntimeOrigin::root(),
				Chain(ETHEREUM),
				TOKEN.to_vec().try_into().expect("20 bytes"),
				route,
			)
			.expect("root routes");
		});
		take(ext)
	})
}

/// The `ismp` target: `[mode][source][from][rest]`. Mode even: `on_accept`, odd: `on_timeout`;
/// mode bit 1: the body is a `Message` built from the rest (from, to, a 256-bit amount, data)
/// rather than the raw rest. Source: Ethereum or another chain; from: the routed contract or
/// not.
pub fn ismp(data: &[u8]) {
	if data.len() < 3 {
		return;
	}
	let (mode, source, from, rest) = (data[0], data[1], data[2], &data[3..]);
	let body = if mode & 2 == 2 {
		let mut u = Unstructured::new(rest);
		let to: Vec<u8> = if u.arbitrary::<bool>().unwrap_or(true) {
			let who = trader(u.int_in_range(0..=3).unwrap_or(0));
			AsRef::<[u8; 32]>::as_ref(&who).to_vec()
		} else {
			u.arbitrary().unwrap_or_default()
		};
		let amount = U256::from_be_bytes(u.arbitrary::<[u8; 32]>().unwrap_or_default());
		let message = Message {
			from: u.arbitrary::<Vec<u8>>().unwrap_or_default().into(),
			to: to.into(),
			amount,
			data: u.arbitrary::<Vec<u8>>().unwrap_or_default().into(),
		};
		message.to_body()
	} else {
		rest.to_vec()
	};
	let source = match source % 4 {
		0 | 1 => ETHEREUM,
		2 => StateMachine::Evm(source as u32),
		_ => StateMachine::Polkadot(source as u32),
	};
	let from = if from % 4 != 3 { TOKEN.to_vec() } else { vec![from; 20] };
	let mut ext = restore(ismp_base());
	ext.execute_with(|| {
		let dest = HostStateMachine::get();
		let request = PostRequest {
			source: if mode & 1 == 0 { source } else { dest },
			dest: if mode & 1 == 0 { dest } else { source },
			nonce: u64::from(mode >> 2),
			from: if mode & 1 == 0 { from.clone() } else { BridgeModuleId::get().to_vec() },
			to: if mode & 1 == 0 { BridgeModuleId::get().to_vec() } else { from },
			timeout_timestamp: 0,
			body,
		};
		let module = Router.module_for_id(BridgeModuleId::get().to_vec()).expect("the bridge");
		// As pallet-ismp's handler calls a module: no storage layer of its own.
		let _ = if mode & 1 == 0 {
			module.on_accept(request)
		} else {
			module.on_timeout(Request::Post(request))
		};
		check_all(0);
	});
}

/// The sibling whose USDT (`Assets` 1984 there) is registered as collateral here.
const SIBLING: u32 = 1000;

fn usdt_location() -> Location {
	Location::new(1, [Parachain(SIBLING), PalletInstance(50), GeneralIndex(1984)])
}

/// The dev chain with the sibling's USDT registered (what one root referendum enacts: a
/// `ForeignAssets` asset owned by the sibling's sovereign account, the sibling its trusted
/// reserve, vault collateral).
fn xcm_base() -> &'static Snapshot {
	static BASE: OnceLock<Snapshot> = OnceLock::new();
	BASE.get_or_init(|| {
		use clearinghouse_runtime::{ForeignAssets, OriginCaller};
		use polkadot_sdk::{
			frame_support::traits::UnfilteredDispatchable, frame_system, pallet_assets,
			pallet_utility, sp_runtime::Permill, staging_xcm_executor::traits::ConvertLocation,
		};
		let mut ext = TestExternalities::new(dev_storage());
		ext.execute_with(|| {
			System::set_block_number(1);
			pallet_timestamp::Now::<Runtime>::put(1_790_000_000_000);
			let sovereign = clearinghouse_xcm_config::LocationToAccountId::convert_location(
				&Location::new(1, [Parachain(SIBLING)]),
			)
			.expect("a sibling has a sovereign account");
			let reserves = vec![(Location::new(1, [Parachain(SIBLING)]), false).into()]
				.try_into()
				.expect("one reserve");
			let calls = vec![
				RuntimeCall::ForeignAssets(pallet_assets::Call::force_create {
					id: usdt_location(),
					owner: sovereign.clone().into(),
					is_sufficient: true,
					min_balance: 10_000,
				}),
				RuntimeCall::Utility(pallet_utility::Call::dispatch_as {
					as_origin: Box::new(OriginCaller::system(frame_system::RawOrigin::Signed(
						sovereign,
					))),
					call: Box::new(RuntimeCall::ForeignAssets(pallet_assets::Call::set_reserves {
						id: usdt_location(),
						reserves,
					})),
				}),
				RuntimeCall::Vaults(pallet_clearinghouse_vaults::Call::register_collateral {
					asset: CollateralAsset::Foreign(usdt_location()),
					config: pallet_clearinghouse_vaults::CollateralConfig {
						oracle_key: clearinghouse_primitives::OracleKey::from_symbol("USDT")
							.expect("symbol"),
						decimals: 6,
						haircut: Permill::from_percent(2),
						deposit_cap: u128::MAX / 4,
						account_cap: u128::MAX / 4,
						status: pallet_clearinghouse_vaults::CollateralStatus::Active,
					},
				}),
			];
			pallet_utility::Call::<Runtime>::batch_all { calls }
				.dispatch_bypass_filter(RuntimeOrigin::root())
				.expect("root registers");
			assert!(<ForeignAssets as polkadot_sdk::frame_support::traits::fungibles::Inspect<
				AccountId,
			>>::asset_exists(usdt_location()));
		});
		take(ext)
	})
}

/// The `xcm` target: `[origin][VersionedXcm]`. Origin: the reserve sibling, another sibling,
/// the relay chain, or a local account.
pub fn xcm(data: &[u8]) {
	let Some((&who, mut rest)) = data.split_first() else { return };
	let Ok(message) =
		VersionedXcm::<RuntimeCall>::decode_with_depth_limit(MAX_XCM_DECODE_DEPTH, &mut rest)
	else {
		return;
	};
	let Ok(message) = Xcm::<RuntimeCall>::try_from(message) else { return };
	let origin = match who % 4 {
		0 | 1 => Location::new(1, [Parachain(SIBLING)]),
		2 => Location::new(1, [Parachain(2000 + u32::from(who))]),
		_ => Location::parent(),
	};
	let mut ext = restore(xcm_base());
	ext.execute_with(|| {
		let mut id = [0u8; 32];
		let _ = clearinghouse_runtime::configs::xcm::XcmExecutor::prepare_and_execute(
			origin,
			message,
			&mut id,
			polkadot_sdk::frame_support::weights::Weight::from_parts(1_000_000_000_000, 1 << 20),
			polkadot_sdk::frame_support::weights::Weight::zero(),
		);
		check_all(0);
	});
}

/// Seed inputs for the corpora: a valid routed deposit (ISMP) and a reserve-asset deposit into
/// a margin account (XCM).
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
	let who = trader(1);
	let deposit = Message {
		from: vec![7u8; 20].into(),
		to: AsRef::<[u8; 32]>::as_ref(&who).to_vec().into(),
		amount: U256::from(250u64) * U256::from(10u128.pow(18)),
		data: vec![2u8].into(),
	};
	let mut ismp = vec![0u8, 0, 0];
	ismp.extend(deposit.to_body());
	let usdt: Asset = (usdt_location(), 100_000_000u128).into();
	let fee: Asset = (usdt_location(), 1_000_000u128).into();
	let beneficiary = Location::new(
		0,
		[
			PalletInstance(71),
			Junction::AccountId32 { network: None, id: who.clone().into() },
			GeneralIndex(0),
		],
	);
	let program: Xcm<RuntimeCall> = Xcm(vec![
		ReserveAssetDeposited(usdt.into()),
		ClearOrigin,
		BuyExecution { fees: fee, weight_limit: Unlimited },
		DepositAsset { assets: Wild(AllCounted(1)), beneficiary },
	]);
	let mut xcm = vec![0u8];
	xcm.extend(VersionedXcm::from(program).encode());
	vec![("ismp", ismp), ("xcm", xcm)]
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The committed corpus of `target` replays without a crash: an evenly spread sample of at
	/// most 300 inputs (by name), every input with `FUZZ_REPLAY_ALL` set (the runtime targets'
	/// corpora hold thousands; unoptimised, the whole of `calls` takes minutes).
	fn replay(target: &str, f: fn(&[u8])) {
		let dir =
			std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target);
		let mut files: Vec<_> =
			std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
		files.sort();
		let all = std::env::var("FUZZ_REPLAY_ALL").is_ok();
		let step = if all { 1 } else { files.len().div_ceil(300).max(1) };
		let mut n = 0;
		for file in files.iter().step_by(step) {
			f(&std::fs::read(file).expect("readable"));
			n += 1;
		}
		assert!(n > 0, "{target}: an empty corpus");
		eprintln!("{target}: {n} of {} corpus inputs replayed", files.len());
	}

	/// Writes [`seeds`] into the corpora (run once with `--ignored` to seed a new corpus).
	#[test]
	#[ignore]
	fn write_seed_corpora() {
		let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
		for (target, input) in seeds() {
			let dir = root.join(target);
			std::fs::create_dir_all(&dir).unwrap();
			std::fs::write(dir.join("seed"), input).unwrap();
		}
	}

	#[test]
	fn the_calls_corpus_replays() {
		replay("calls", |d| {
			calls(d);
		});
	}

	#[test]
	fn the_ismp_corpus_replays() {
		replay("ismp", ismp);
	}

	#[test]
	fn the_xcm_corpus_replays() {
		replay("xcm", xcm);
	}

	#[test]
	fn a_seeded_deposit_lands_through_each_route() {
		use polkadot_sdk::frame_support::traits::fungibles::Inspect;
		for (target, input) in seeds() {
			match target {
				"ismp" => ismp(&input),
				_ => xcm(&input),
			}
		}
		// The seeds do what they say: the ISMP deposit credits trader 1's sub-account 2.
		let mut ext = restore(ismp_base());
		let input = seeds()[0].1.clone();
		ext.execute_with(|| {
			let module = Router.module_for_id(BridgeModuleId::get().to_vec()).unwrap();
			let body = input[3..].to_vec();
			let request = PostRequest {
				source: ETHEREUM,
				dest: HostStateMachine::get(),
				nonce: 0,
				from: TOKEN.to_vec(),
				to: BridgeModuleId::get().to_vec(),
				timeout_timestamp: 0,
				body,
			};
			module.on_accept(request).expect("a routed deposit is accepted");
			let id =
				pallet_clearinghouse_vaults::CollateralIdOf::<Runtime>::get(test_bridged_asset())
					.unwrap();
			assert_eq!(
				Vaults::balance_of(
					&pallet_clearinghouse_vaults::MarginAccount::new(trader(1), 2),
					id
				),
				250_000_000
			);
			assert_eq!(clearinghouse_runtime::Assets::total_issuance(1984), 250_000_000);
		});
	}

	#[test]
	fn random_call_sequences_reach_trading() {
		use rand::{Rng, SeedableRng};
		// The target is not a maze of refusals: plain random inputs trade.
		let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
		let mut fills = 0;
		for _ in 0..200 {
			let input: Vec<u8> = (0..1000).map(|_| rng.gen()).collect();
			fills += calls(&input);
			if fills > 0 {
				break;
			}
		}
		assert!(fills > 0, "no random sequence traded");
	}
}
