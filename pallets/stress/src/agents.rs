//! The trading population: market makers quoting around the index with inventory limits,
//! leveraged trend-followers and mean-reverters at a spread of leverages up to each market's
//! maximum, an optional whale short, and a keeper. Every action is a signed call through
//! [`World::submit`], so it is charged its weight and refused exactly as on chain.

use crate::{
	path::Depth,
	world::{dollars, sim_account, SimMarket, Submitted, World},
};
use clearinghouse_runtime::{AccountId, Margin, Runtime, RuntimeCall};
use pallet_clearinghouse_margin::MarginAccount;
use pallet_clearinghouse_orderbook::{
	Call as BookCall, OrderRequest, OrderType, SelfTradePrevention, Side, TimeInForce,
};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// What an agent does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
	/// Quotes `levels` bids and asks of `level` dollars each, the first `spread` (a fraction)
	/// from the index and `step` apart, skewed by its inventory; stops adding to a side once
	/// its inventory passes `max_inventory` dollars.
	MarketMaker { levels: u32, level: f64, spread: f64, step: f64, max_inventory: f64 },
	/// Holds `leverage` × equity in the direction of the fast EMA against the slow one.
	Trend { leverage: f64 },
	/// Holds `leverage` × equity against the price's distance from the slow EMA (beyond 1%).
	MeanRevert { leverage: f64 },
	/// Opens a short of `leverage` × equity at the start and holds it.
	WhaleShort { leverage: f64 },
}

/// One trader.
#[derive(Clone, Debug)]
pub struct Agent {
	pub account: AccountId,
	/// Index into `World::markets`.
	pub market: usize,
	pub strategy: Strategy,
	/// Dollars deposited.
	pub capital: f64,
	/// Acts every `every` blocks, at `offset`.
	pub every: u32,
	pub offset: u32,
	/// A market maker's last quotes: the index they were centred on, the block, the position.
	pub quoted: Option<(f64, u32, i128)>,
}

/// What the agents of a market see of it: the index and two EMAs of it.
#[derive(Clone, Debug, Default)]
pub struct MarketView {
	pub index: f64,
	/// Ten-minute and one-hour EMAs of the index.
	pub fast: f64,
	pub slow: f64,
}

impl MarketView {
	/// A new index print.
	pub fn update(&mut self, p: f64) {
		if self.index == 0.0 {
			(self.fast, self.slow) = (p, p);
		}
		self.index = p;
		self.fast += (p - self.fast) / 100.0;
		self.slow += (p - self.slow) / 600.0;
	}
}

/// The population of `depth` for every market of `world`, funded and deposited; with
/// `whale_short`, a whale short in the first market.
pub fn population(world: &mut World, depth: Depth, whale_short: bool, seed: u64) -> Vec<Agent> {
	let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0xa9e7);
	let mut agents = Vec::new();
	let mut n = 0u32;
	let mut next = |tag| {
		n += 1;
		sim_account(tag, n)
	};
	for (m, market) in world.markets.clone().iter().enumerate() {
		let max_leverage = 1.0 / market.initial;
		let (makers, mm_capital, level, spread, step) = match depth {
			Depth::Deep => (2, 3_000_000.0, 40_000.0, 0.0005, 0.001),
			Depth::Thin => (1, 150_000.0, 4_000.0, 0.003, 0.005),
		};
		for i in 0..makers {
			agents.push(Agent {
				account: next(10),
				market: m,
				strategy: Strategy::MarketMaker {
					levels: 5,
					level,
					spread: spread * (1.0 + i as f64 * 0.5),
					step,
					max_inventory: mm_capital * 0.5,
				},
				capital: mm_capital,
				every: 1,
				offset: 0,
				quoted: None,
			});
		}
		let takers = 16u32;
		for i in 0..takers {
			// Leverage from 1× to the market's maximum, evenly spread.
			let leverage = 1.0 + (max_leverage - 1.0) * i as f64 / (takers - 1) as f64;
			let strategy = if i % 2 == 0 {
				Strategy::Trend { leverage }
			} else {
				Strategy::MeanRevert { leverage }
			};
			agents.push(Agent {
				account: next(11),
				market: m,
				strategy,
				capital: rng.gen_range(20_000.0..100_000.0),
				every: 20,
				offset: rng.gen_range(0..20),
				quoted: None,
			});
		}
		if whale_short && m == 0 {
			agents.push(Agent {
				account: next(12),
				market: m,
				strategy: Strategy::WhaleShort { leverage: max_leverage * 0.9 },
				capital: 400_000.0,
				every: 1,
				offset: 0,
				quoted: None,
			});
		}
		let _ = market;
	}
	for a in &agents {
		world.fund(&a.account, a.capital, true);
	}
	agents
}

/// The position (size units, long > 0) and equity (dollars) of `who` in `market`.
fn position(world: &mut World, who: &AccountId, market: u32) -> (i128, f64) {
	world.with(|| {
		Margin::account_health(&MarginAccount::new(who.clone(), 0)).map_or((0, 0.0), |h| {
			let q = h.positions.iter().find(|p| p.market == market).map_or(0, |p| p.quantity);
			(q, dollars(h.equity))
		})
	})
}

fn order(
	side: Side,
	order_type: OrderType,
	quantity: u128,
	tif: TimeInForce,
	reduce_only: bool,
) -> OrderRequest {
	OrderRequest {
		side,
		order_type,
		quantity,
		time_in_force: tif,
		reduce_only,
		client_id: None,
		self_trade: SelfTradePrevention::CancelResting,
	}
}

/// A market order of `quantity` (long > 0 buys) no worse than 2% from `index`.
fn market_order(
	world: &mut World,
	who: &AccountId,
	m: &SimMarket,
	quantity: i128,
	index: f64,
	reduce_only: bool,
) -> Submitted {
	let (side, protection) = if quantity > 0 {
		(Side::Buy, m.price(index * 1.02, true))
	} else {
		(Side::Sell, m.price(index * 0.98, false))
	};
	world.submit(
		who,
		RuntimeCall::Orderbook(BookCall::place_order {
			market: m.id,
			sub: 0,
			order: order(
				side,
				OrderType::Market { protection_price: protection },
				quantity.unsigned_abs(),
				TimeInForce::Ioc,
				reduce_only,
			),
		}),
	)
}

/// Every agent whose turn it is in block `block` acts, in a seeded random order.
pub fn act(
	world: &mut World,
	agents: &mut [Agent],
	views: &[MarketView],
	block: u32,
	rng: &mut ChaCha20Rng,
) {
	let mut turn: Vec<&mut Agent> =
		agents.iter_mut().filter(|a| block % a.every == a.offset % a.every).collect();
	turn.shuffle(rng);
	for a in turn {
		let m = world.markets[a.market].clone();
		let view = &views[a.market];
		if view.index <= 0.0 {
			continue;
		}
		match a.strategy {
			Strategy::MarketMaker { levels, level, spread, step, max_inventory } => {
				let (q, _) = position(world, &a.account, m.id);
				// Re-quote when the index moved half a spread, the position changed (a quote
				// was hit) or ten blocks passed: a placement declares its worst case, so a
				// block fits few re-quotes.
				if a.quoted.is_some_and(|(mid, at, held)| {
					(view.index / mid - 1.0).abs() < spread / 2.0 && block < at + 10 && held == q
				}) {
					continue;
				}
				let inventory = m.units(q) * view.index;
				let skew = (inventory / max_inventory).clamp(-1.0, 1.0) * spread;
				let mut places = Vec::new();
				for i in 0..levels {
					let off = spread + step * i as f64;
					let size = m.size(level, view.index).max(1);
					if inventory < max_inventory {
						let p = m.price(view.index * (1.0 - off - skew), false);
						places.push(order(
							Side::Buy,
							OrderType::Limit { price: p },
							size,
							TimeInForce::Gtc,
							false,
						));
					}
					if inventory > -max_inventory {
						let p = m.price(view.index * (1.0 + off - skew), true);
						places.push(order(
							Side::Sell,
							OrderType::Limit { price: p },
							size,
							TimeInForce::Gtc,
							false,
						));
					}
				}
				world.submit(
					&a.account,
					RuntimeCall::Orderbook(BookCall::cancel_all { market: m.id, sub: 0 }),
				);
				let placed = world.submit(
					&a.account,
					RuntimeCall::Orderbook(BookCall::bulk {
						market: m.id,
						sub: 0,
						cancels: Default::default(),
						places: places.try_into().expect("at most MaxBulk"),
					}),
				);
				if placed == Submitted::Ok {
					a.quoted = Some((view.index, block, q));
				}
			},
			Strategy::Trend { leverage } | Strategy::MeanRevert { leverage } => {
				let (q, equity) = position(world, &a.account, m.id);
				if equity <= 0.0 {
					continue;
				}
				let signal = match a.strategy {
					Strategy::Trend { .. } => (view.fast - view.slow).signum(),
					_ => {
						let d = view.index / view.slow - 1.0;
						if d.abs() > 0.01 {
							-d.signum()
						} else {
							0.0
						}
					},
				};
				let target = signal * leverage * equity;
				let current = m.units(q) * view.index;
				let diff = target - current;
				if diff.abs() < 0.1 * leverage * equity {
					continue;
				}
				let size = m.size(diff.abs(), view.index) as i128 * diff.signum() as i128;
				if size == 0 {
					continue;
				}
				// Toward zero without crossing it: reduce-only, as a careful trader sends it.
				let reducing =
					current != 0.0 && target.abs() < current.abs() && target * current >= 0.0;
				market_order(world, &a.account, &m, size, view.index, reducing);
			},
			Strategy::WhaleShort { leverage } => {
				// Builds the short a tenth at a time over the first blocks, to 90% of the
				// leverage asked for.
				let (q, equity) = position(world, &a.account, m.id);
				let held = -m.units(q) * view.index;
				if equity > 0.0 && block < 300 && held < 0.9 * leverage * equity {
					let size = m.size(0.1 * leverage * equity, view.index) as i128;
					market_order(world, &a.account, &m, -size, view.index, false);
				}
			},
		}
	}
}

/// The keeper: liquidates every liquidatable account it can fit in the block, then advances
/// every pending deleveraging.
pub fn keep(world: &mut World) {
	let (liquidatable, deleveraging) = world.with(|| {
		let accounts: Vec<_> = pallet_clearinghouse_margin::Accounts::<Runtime>::iter_keys()
			.filter(|a| Margin::account_health(a).is_some_and(|h| h.liquidatable))
			.collect();
		let markets: Vec<u32> =
			pallet_clearinghouse_margin::Deleveraging::<Runtime>::iter_keys().collect();
		(accounts, markets)
	});
	let keeper = world.keeper.clone();
	for account in liquidatable {
		let call = RuntimeCall::Margin(pallet_clearinghouse_margin::Call::liquidate { account });
		if world.submit(&keeper, call) == Submitted::Full {
			break;
		}
	}
	for market in deleveraging {
		let call = RuntimeCall::Margin(pallet_clearinghouse_margin::Call::deleverage {
			market,
			steps: 16,
		});
		world.submit(&keeper, call);
	}
}
