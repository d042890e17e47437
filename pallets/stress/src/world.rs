//! The real runtime, block by block: genesis from the `development` preset, markets listed the
//! way governance lists them, calls dispatched as signed extrinsics are (the call filter, a
//! storage layer each, the declared weight charged against the block before the call and the
//! actual weight after), the clearinghouse pallets' hooks run every block, and every
//! invariant checked after every block.
//!
//! What it leaves out of a real block: signatures, fees and nonces (transaction validity, not
//! the risk engine's concern) and the parachain inherents. Everything the risk engine does
//! runs through the runtime's own code.

use crate::path::PricePath;
use clearinghouse_primitives::OracleKey;
use clearinghouse_runtime::{
	genesis_config_presets::{self, DEV_USD_ASSET, DEV_USD_UNIT},
	AccountId, Assets, Confidential, Insurance, Margin, Oracle, Orderbook, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeOrigin, System, Vaults,
};
use pallet_clearinghouse_margin::{FundingParams, MarginAccount, RiskParams};
use pallet_clearinghouse_oracle::{FeedValue, KeyConfig};
use pallet_clearinghouse_orderbook::{MarketConfig, MarketKind, MarketParams, MarketStatus};
use pallet_clearinghouse_origins::Origin as TrackOrigin;
use polkadot_sdk::{
	frame_support::{
		dispatch::{DispatchClass, GetDispatchInfo},
		traits::{fungibles::Mutate, OnFinalize, OnIdle, OnInitialize},
		weights::Weight,
	},
	frame_system, pallet_timestamp, sp_io,
	sp_runtime::{traits::Dispatchable, FixedPointNumber, FixedU128, Permill},
};

/// The clearinghouse pallets whose hooks a block runs (the parachain's own pallets need relay
/// chain inherents the simulator does not make).
type Hooked = (Oracle, Vaults, Orderbook, Margin, Insurance, Confidential);

/// Settlement units (USD at 6 decimals) of `usd` dollars.
pub fn usd(usd: f64) -> u128 {
	(usd * DEV_USD_UNIT as f64).max(0.0) as u128
}

/// Dollars of `units` settlement units.
pub fn dollars(units: i128) -> f64 {
	units as f64 / DEV_USD_UNIT as f64
}

/// A fixed-point price of `p`.
pub fn fixed(p: f64) -> FixedU128 {
	FixedU128::from_inner((p * 1e18) as u128)
}

/// `p` as a float.
pub fn float(p: FixedU128) -> f64 {
	p.into_inner() as f64 / 1e18
}

/// A simulated account: the `index`-th of role `tag`.
pub fn sim_account(tag: u8, index: u32) -> AccountId {
	let mut raw = [0u8; 32];
	raw[0] = 0x5a;
	raw[1] = tag;
	raw[2..6].copy_from_slice(&index.to_le_bytes());
	AccountId::new(raw)
}

/// What a listed market is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Instrument {
	Perpetual,
	/// A dated future expiring at `expiry` (unix ms).
	Future {
		expiry: u64,
	},
	/// A European option.
	Option {
		call: bool,
		strike: f64,
		expiry: u64,
	},
}

/// One listed market.
#[derive(Clone, Debug)]
pub struct SimMarket {
	pub id: u32,
	pub key: String,
	pub oracle: OracleKey,
	/// Which underlying (the index of its listing) prices it.
	pub view: usize,
	pub instrument: Instrument,
	/// Price tick, and its fixed-point inner value (a power of ten: prices on it are exact).
	pub tick: f64,
	pub tick_inner: u128,
	/// Decimals of the size unit: a size of `10^size_decimals` is one whole unit.
	pub size_decimals: u8,
	/// Initial and maintenance fractions.
	pub initial: f64,
	pub maintenance: f64,
}

impl SimMarket {
	/// `p` rounded to the market's tick, down (`up`: up), at least one tick.
	pub fn price(&self, p: f64, up: bool) -> FixedU128 {
		let ticks = p / self.tick;
		let ticks = if up { ticks.ceil() } else { ticks.floor() }.max(1.0);
		FixedU128::from_inner((ticks as u128).saturating_mul(self.tick_inner))
	}

	/// Size units of `notional` dollars at `price`.
	pub fn size(&self, notional: f64, price: f64) -> u128 {
		(notional / price * 10f64.powi(self.size_decimals as i32)).max(0.0) as u128
	}

	/// Whole units of `size` size units.
	pub fn units(&self, size: i128) -> f64 {
		size as f64 / 10f64.powi(self.size_decimals as i32)
	}
}

/// The outcome of one submitted call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submitted {
	Ok,
	/// Dispatched and failed (state unchanged): the module error's name.
	Failed(&'static str),
	/// Did not fit in the block's weight: not dispatched.
	Full,
}

/// Per-block tallies the report reads.
#[derive(Clone, Debug, Default)]
pub struct BlockTally {
	pub liquidations: u32,
	pub deleveragings: u32,
	pub bad_debt_covered: u128,
	pub bad_debt_uncovered: u128,
	pub trades: u32,
	/// Trades by instrument: perpetuals, futures, options.
	pub trades_by_kind: [u32; 3],
	pub breaker_trips: u32,
	pub weight_used: Weight,
	pub dropped: u32,
	pub failed: u32,
}

/// The runtime and the simulator's book-keeping around it.
pub struct World {
	pub ext: sp_io::TestExternalities,
	pub markets: Vec<SimMarket>,
	pub feeders: Vec<AccountId>,
	pub keeper: AccountId,
	/// Settlement units deposited into the vaults (the value the ledger must conserve).
	pub deposited: u128,
	pub start_ms: u64,
	pub now_ms: u64,
	pub block: u32,
	/// Fills so far (each settles funding on both sides: the rounding slack of value checks).
	pub fills: u128,
	pub tally: BlockTally,
	/// Names of failed calls, counted over the run (what the agents tried and was refused).
	pub failures: std::collections::BTreeMap<&'static str, u64>,
}

/// Genesis storage of the `development` preset.
pub fn dev_storage() -> polkadot_sdk::sp_core::storage::Storage {
	// The runtime's own preset: its integration tests build it too.
	genesis_config_presets::preset_storage(&"development".into()).expect("the dev preset builds")
}

/// How a market is listed (governance's choice for the simulation).
#[derive(Clone, Debug)]
pub struct Listing {
	pub key: String,
	/// The lowest price the market will see (sets the tick: five significant digits there).
	pub low: f64,
	/// The first price (sets the size unit: about a dollar or less).
	pub first: f64,
	pub initial: f64,
	pub maintenance: f64,
	/// The oracle's breaker bound within five minutes.
	pub breaker: f64,
	/// Also list a dated future expiring at this time (unix ms) and a chain of calls and puts
	/// 10% below, at and 10% above the first price expiring at the second, with implied vols
	/// fed for the key.
	pub derivatives: Option<(u64, u64)>,
}

impl World {
	/// The dev chain at `start_ms` with `listings` listed as perpetuals, three feeders (quorum
	/// two), a keeper, and `insurance` dollars donated to the insurance fund.
	pub fn new(start_ms: u64, listings: &[Listing], insurance: f64) -> Self {
		let mut world = World {
			markets: Vec::new(),
			feeders: (0..3).map(|i| sim_account(1, i)).collect(),
			keeper: sim_account(2, 0),
			deposited: 0,
			start_ms,
			now_ms: start_ms,
			block: 1,
			fills: 0,
			tally: BlockTally::default(),
			failures: Default::default(),
			ext: sp_io::TestExternalities::new(dev_storage()),
		};
		let feeders = world.feeders.clone();
		let (held, markets) = world.with(|| {
			System::set_block_number(1);
			pallet_timestamp::Now::<Runtime>::put(start_ms);
			for f in &feeders {
				ok(Oracle::add_feeder(TrackOrigin::RiskAdmin.into(), f.clone()));
			}
			let markets: Vec<SimMarket> =
				listings.iter().enumerate().flat_map(|(i, l)| Self::list(i, l)).collect();
			(Self::vault_held(), markets)
		});
		world.deposited = held;
		world.markets = markets;
		world.feed(
			&listings
				.iter()
				.map(|l| (l.key.clone(), l.first, l.derivatives.map(|_| 0.6)))
				.collect::<Vec<_>>(),
		);
		let donor = sim_account(3, 0);
		world.fund(&donor, insurance, false);
		world.with(|| {
			ok(Insurance::donate(RuntimeOrigin::signed(donor.clone()), usd(insurance)));
		});
		world.deposited += usd(insurance);
		world
	}

	/// Runs `f` in the runtime's externalities.
	pub fn with<R>(&mut self, f: impl FnOnce() -> R) -> R {
		self.ext.execute_with(f)
	}

	/// Lists `l` (the `view`-th listing) as a perpetual with its oracle key, risk parameters
	/// and funding, and its dated future and option chain if it has them.
	fn list(view: usize, l: &Listing) -> Vec<SimMarket> {
		// Paths refuse keys that are not oracle symbols (`PricePath::from_csv`).
		let oracle = OracleKey::from_symbol(&l.key).expect("a path's keys are oracle symbols");
		ok(Oracle::set_key(
			TrackOrigin::RiskAdmin.into(),
			oracle,
			KeyConfig {
				min_quorum: 2,
				max_age: 60_000,
				max_deviation: Permill::from_float(l.breaker),
				breaker_window: 300_000,
				ema_half_life: 300_000,
				has_vol: l.derivatives.is_some(),
			},
		));
		// Five significant digits at the lowest price the market will see.
		let tick_exp = (l.low.log10().floor() as i32 - 4).max(-18);
		let tick = 10f64.powi(tick_exp);
		let tick_inner = 10u128.pow((18 + tick_exp) as u32);
		let size_decimals = l.first.log10().ceil().clamp(0.0, 8.0) as u8;
		let params = MarketParams {
			min_size: 1,
			maker_fee: Permill::from_parts(100),
			taker_fee: Permill::from_parts(500),
			max_open_orders: 64,
		};
		let market = |id, instrument| SimMarket {
			id,
			key: l.key.clone(),
			oracle,
			view,
			instrument,
			tick,
			tick_inner,
			size_decimals,
			initial: l.initial,
			maintenance: l.maintenance,
		};
		let mut listed = Vec::new();
		let linear = [(Instrument::Perpetual, MarketKind::Perpetual)].into_iter().chain(
			l.derivatives
				.map(|(expiry, _)| (Instrument::Future { expiry }, MarketKind::Future { expiry })),
		);
		for (instrument, kind) in linear {
			let id = pallet_clearinghouse_orderbook::Markets::<Runtime>::count();
			ok(Orderbook::create_market(
				TrackOrigin::MarketAdmin.into(),
				MarketConfig {
					underlying: oracle,
					kind,
					tick_size: FixedU128::from_inner(tick_inner),
					lot_size: 1,
					params,
					status: MarketStatus::Active,
				},
			));
			let funding = (instrument == Instrument::Perpetual).then_some(FundingParams {
				period_ms: 8 * 3_600_000,
				premium_cap: Permill::from_parts(5_000),
				sample_interval_ms: 60_000,
			});
			ok(Margin::set_market_risk(
				TrackOrigin::RiskAdmin.into(),
				id,
				RiskParams {
					underlying: oracle,
					size_decimals,
					initial: Permill::from_float(l.initial),
					maintenance: Permill::from_float(l.maintenance),
					initial_at_full: Permill::from_float(l.initial),
					open_interest_full: 0,
					funding,
				},
			));
			listed.push(market(id, instrument));
		}
		if let Some((_, expiry)) = l.derivatives {
			// Deribit-like option margins: 15% / 7.5% of the spot less out-of-the-money, at
			// least 10% / 5%, a long's value counted at 90%.
			ok(Margin::set_option_params(
				TrackOrigin::RiskAdmin.into(),
				oracle,
				pallet_clearinghouse_margin::OptionParams {
					vol_key: oracle,
					size_decimals,
					initial: Permill::from_percent(15),
					maintenance: Permill::from_parts(75_000),
					initial_floor: Permill::from_percent(10),
					maintenance_floor: Permill::from_percent(5),
					long_haircut: Permill::from_percent(10),
				},
			));
			let strikes: Vec<f64> = [0.9, 1.0, 1.1]
				.iter()
				.map(|f| ((l.first * f / tick).round() * tick).max(tick))
				.collect();
			let first = pallet_clearinghouse_orderbook::Markets::<Runtime>::count();
			ok(Orderbook::list_option_chain(
				TrackOrigin::MarketAdmin.into(),
				oracle,
				expiry,
				strikes
					.iter()
					.map(|k| FixedU128::from_inner(((k / tick).round() as u128) * tick_inner))
					.collect::<Vec<_>>()
					.try_into()
					.expect("three strikes, below MaxOptionsPerExpiry (64)"),
				pallet_clearinghouse_orderbook::ChainTemplate {
					tick_size: FixedU128::from_inner(tick_inner),
					lot_size: 1,
					params,
				},
			));
			// A call and a put at each strike, in strike order.
			for (i, strike) in strikes.iter().enumerate() {
				for (j, call) in [true, false].into_iter().enumerate() {
					let id = first + 2 * i as u32 + j as u32;
					listed.push(market(id, Instrument::Option { call, strike: *strike, expiry }));
				}
			}
		}
		listed
	}

	/// Mints `dollars` of the dev stablecoin to `who`'s wallet and (`deposit`) deposits it into
	/// `who`'s cross-margin account.
	pub fn fund(&mut self, who: &AccountId, dollars: f64, deposit: bool) {
		let amount = usd(dollars);
		self.with(|| {
			ok(<Assets as Mutate<AccountId>>::mint_into(DEV_USD_ASSET, who, amount).map(|_| ()));
			if deposit {
				ok(pallet_clearinghouse_vaults::Pallet::<Runtime>::deposit(
					RuntimeOrigin::signed(who.clone()),
					0,
					amount,
					0,
				));
			}
		});
		if deposit {
			self.deposited += amount;
		}
	}

	/// The vaults' recorded holding of the settlement asset.
	fn vault_held() -> u128 {
		pallet_clearinghouse_vaults::Collaterals::<Runtime>::get(0).map_or(0, |c| c.held)
	}

	/// Every feeder reports `prices` and implied vols (one feed call each, as the runtime
	/// allows a block).
	pub fn feed(&mut self, prices: &[(String, f64, Option<f64>)]) {
		let values: Vec<FeedValue> = prices
			.iter()
			.map(|(k, p, v)| FeedValue {
				key: OracleKey::from_symbol(k).expect("a path's keys are oracle symbols"),
				price: fixed(*p),
				vol: v.map(fixed),
			})
			.collect();
		for f in self.feeders.clone() {
			let call = RuntimeCall::Oracle(pallet_clearinghouse_oracle::Call::feed {
				values: values.clone().try_into().expect("a path has at most MAX_KEYS keys"),
			});
			self.submit(&f, call);
		}
	}

	/// The weight normal calls may use in one block.
	pub fn normal_limit() -> Weight {
		let weights = <Runtime as frame_system::Config>::BlockWeights::get();
		weights.get(DispatchClass::Normal).max_total.unwrap_or(weights.max_block)
	}

	/// The block's whole weight.
	pub fn block_limit() -> Weight {
		<Runtime as frame_system::Config>::BlockWeights::get().max_block
	}

	/// Dispatches `call` signed by `who` if its declared weight (plus the base of an
	/// extrinsic) still fits in the block; charges its actual weight.
	pub fn submit(&mut self, who: &AccountId, call: RuntimeCall) -> Submitted {
		let info = call.get_dispatch_info();
		let weights = <Runtime as frame_system::Config>::BlockWeights::get();
		let base = weights.get(info.class).base_extrinsic;
		let declared = info.call_weight.saturating_add(info.extension_weight).saturating_add(base);
		let limit = match info.class {
			DispatchClass::Normal => Self::normal_limit(),
			_ => Self::block_limit(),
		};
		if self.tally.weight_used.saturating_add(declared).any_gt(limit) {
			if debug() {
				let name = format!("{call:?}");
				eprintln!(
					"full: {} used {:?} + declared {:?} > {:?}",
					&name[..name.len().min(60)],
					self.tally.weight_used,
					declared,
					limit
				);
			}
			self.tally.dropped += 1;
			return Submitted::Full;
		}
		let debug_name = debug().then(|| format!("{call:?}"));
		let result = self.with(|| call.dispatch(RuntimeOrigin::signed(who.clone())));
		let (post, outcome) = match result {
			Ok(post) => (post, Submitted::Ok),
			Err(e) => {
				let name = match e.error {
					polkadot_sdk::sp_runtime::DispatchError::Module(m) => {
						m.message.unwrap_or("module")
					},
					other => <&'static str>::from(other),
				};
				*self.failures.entry(name).or_default() += 1;
				self.tally.failed += 1;
				(e.post_info, Submitted::Failed(name))
			},
		};
		let actual = post.calc_actual_weight(&info).saturating_add(base);
		if let Some(name) = debug_name {
			eprintln!(
				"call {}: declared {:?} actual {:?}",
				&name[..name.len().min(60)],
				declared,
				actual
			);
		}
		self.tally.weight_used = self.tally.weight_used.saturating_add(actual);
		outcome
	}

	/// Opens the next block at `now_ms`: block number, timestamp, the pallets' `on_initialize`.
	pub fn open_block(&mut self, now_ms: u64) {
		self.block += 1;
		self.now_ms = now_ms;
		self.tally = BlockTally::default();
		let n = self.block;
		let used = self.with(|| {
			System::reset_events();
			System::set_block_number(n);
			pallet_timestamp::Now::<Runtime>::put(now_ms);
			<Hooked as OnInitialize<u32>>::on_initialize(n)
		});
		self.tally.weight_used = used;
	}

	/// Closes the block: `on_idle` with what is left of it, `on_finalize`, then the tallies of
	/// its events.
	pub fn close_block(&mut self) {
		let n = self.block;
		let left = Self::block_limit().saturating_sub(self.tally.weight_used);
		let idle = self.with(|| {
			let w = <Hooked as OnIdle<u32>>::on_idle(n, left);
			<Hooked as OnFinalize<u32>>::on_finalize(n);
			w
		});
		self.tally.weight_used = self.tally.weight_used.saturating_add(idle);
		let events: Vec<RuntimeEvent> =
			self.with(|| System::events().into_iter().map(|r| r.event).collect());
		// STRESS_TRACE=N prints every event of block N onwards (to debug a broken invariant).
		if trace_from().is_some_and(|b| n >= b) {
			for e in &events {
				eprintln!("block {n}: {e:?}");
			}
		}
		for e in events {
			use pallet_clearinghouse_margin::Event as M;
			match e {
				RuntimeEvent::Margin(M::Liquidated { .. }) => self.tally.liquidations += 1,
				RuntimeEvent::Margin(M::Deleveraged { .. }) => self.tally.deleveragings += 1,
				RuntimeEvent::Margin(M::BadDebtRecorded { covered, uncovered, .. }) => {
					self.tally.bad_debt_covered += covered;
					self.tally.bad_debt_uncovered += uncovered;
				},
				RuntimeEvent::Orderbook(pallet_clearinghouse_orderbook::Event::Traded {
					market,
					..
				}) => {
					self.tally.trades += 1;
					self.fills += 1;
					let kind =
						match self.markets.iter().find(|m| m.id == market).map(|m| m.instrument) {
							Some(Instrument::Future { .. }) => 1,
							Some(Instrument::Option { .. }) => 2,
							_ => 0,
						};
					self.tally.trades_by_kind[kind] += 1;
				},
				RuntimeEvent::Oracle(pallet_clearinghouse_oracle::Event::BreakerTripped {
					..
				}) => self.tally.breaker_trips += 1,
				_ => {},
			}
		}
	}

	/// The settlement balance of `who`'s cross-margin account.
	pub fn cash(&mut self, who: &AccountId) -> i128 {
		self.with(|| Vaults::balance_of(&MarginAccount::new(who.clone(), 0), 0))
	}

	/// The insurance fund's equity: the settlement balance of every backstop book plus what
	/// their inventory (positions taken over from liquidated accounts) is worth at mark, or at
	/// the price a pending deleveraging hands it on at.
	pub fn insurance_equity(&mut self) -> i128 {
		self.with(|| {
			Margin::fund_equity()
				.unwrap_or_else(|| Vaults::balance_of(&Margin::insurance_account(), 0))
		})
	}

	/// The ticks of `path` at `now_ms`: key, price, vol.
	pub fn prices_at(
		path: &PricePath,
		cursor: &mut usize,
		now_ms: u64,
	) -> Vec<(String, f64, Option<f64>)> {
		let mut out: Vec<(String, f64, Option<f64>)> = Vec::new();
		while *cursor < path.ticks.len() && path.ticks[*cursor].t_ms <= now_ms {
			let t = &path.ticks[*cursor];
			if t.t_ms == now_ms {
				out.retain(|(k, _, _)| *k != t.key);
				out.push((t.key.clone(), t.price, t.vol));
			}
			*cursor += 1;
		}
		out
	}
}

/// Fails the run on a set-up step that the runtime refused (a broken set-up is a bug of the
/// simulator, not a finding).
fn ok<E: core::fmt::Debug>(r: Result<(), E>) {
	if let Err(e) = r {
		panic!("set-up refused: {e:?}");
	}
}

/// `STRESS_DEBUG` set: print every call, its declared and actual weight, and every call that
/// did not fit its block.
fn debug() -> bool {
	static DEBUG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
	*DEBUG.get_or_init(|| std::env::var("STRESS_DEBUG").is_ok())
}

/// `STRESS_TRACE=N`: print every event of block N onwards (to debug a broken invariant).
fn trace_from() -> Option<u32> {
	static FROM: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
	*FROM.get_or_init(|| std::env::var("STRESS_TRACE").ok().and_then(|v| v.parse().ok()))
}

/// A price of one settlement unit, for invariants on valuations.
pub fn one() -> FixedU128 {
	FixedU128::saturating_from_integer(1u32)
}
