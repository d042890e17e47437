//! The trading population: market makers quoting around the index with inventory limits,
//! leveraged trend-followers and mean-reverters at a spread of leverages up to each market's
//! maximum, an optional whale short, and — where a market has a dated future and an option
//! chain — hedged books: a future market maker, basis traders (long the future, short the
//! perpetual), an option market maker, covered-call writers and protective-put buyers. And a
//! keeper. Every action is a signed call through [`World::submit`], so it is charged its
//! weight and refused exactly as on chain.

use crate::{
	path::Depth,
	world::{dollars, float, sim_account, Instrument, SimMarket, Submitted, World},
};
use clearinghouse_runtime::{AccountId, Margin, Runtime, RuntimeCall};
use pallet_clearinghouse_margin::MarginAccount;
use pallet_clearinghouse_orderbook::{
	Call as BookCall, OrderRequest, OrderType, SelfTradePrevention, Side, TimeInForce,
};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

/// What an agent does. Markets are indices into `World::markets`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
	/// Quotes `levels` bids and asks of `level` dollars each in its market, the first
	/// `spread` (a fraction) from the index and `step` apart, skewed by its inventory; stops
	/// adding to a side once its inventory passes `max_inventory` dollars.
	MarketMaker { levels: u32, level: f64, spread: f64, step: f64, max_inventory: f64 },
	/// Holds `leverage` × equity in the direction of the fast EMA against the slow one.
	Trend { leverage: f64 },
	/// Holds `leverage` × equity against the price's distance from the slow EMA (beyond 1%).
	MeanRevert { leverage: f64 },
	/// Opens a short of `leverage` × equity at the start and holds it.
	WhaleShort { leverage: f64 },
	/// Long `future`, short its market (the perpetual), `leverage` × equity in all.
	Basis { future: usize, leverage: f64 },
	/// Quotes the options `first .. first + count` one a block, `spread` around their mark,
	/// `level` dollars of underlying a side.
	OptionMaker { first: usize, count: usize, level: f64, spread: f64 },
	/// Long its market (the perpetual) `leverage` × equity, short as many `call`s.
	CoveredCall { call: usize, leverage: f64 },
	/// Long its market `leverage` × equity, long as many `put`s.
	ProtectivePut { put: usize, leverage: f64 },
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

/// What the agents see of an underlying: its index, two EMAs of it, a slowly decaying peak,
/// and the implied vol the feeders report.
#[derive(Clone, Debug, Default)]
pub struct MarketView {
	pub index: f64,
	/// Ten-minute and one-hour EMAs of the index.
	pub fast: f64,
	pub slow: f64,
	/// The running high, decaying toward the index over about six hours.
	pub peak: f64,
	/// The base implied vol (annualised) before stress.
	pub base_vol: f64,
}

impl MarketView {
	/// A new index print.
	pub fn update(&mut self, p: f64) {
		if self.index == 0.0 {
			(self.fast, self.slow, self.peak) = (p, p, p);
		}
		self.index = p;
		self.fast += (p - self.fast) / 100.0;
		self.slow += (p - self.slow) / 600.0;
		self.peak = p.max(self.peak - (self.peak - p) / 3_600.0);
	}

	/// The implied vol the feeders report when the path gives none: the base vol, up five
	/// times the drawdown from the decaying peak, at most three times the base (vol rises as
	/// markets fall, as implied vols did on every one of these days).
	pub fn implied_vol(&self) -> f64 {
		let drawdown = if self.peak > 0.0 { 1.0 - self.index / self.peak } else { 0.0 };
		(self.base_vol * (1.0 + 5.0 * drawdown.max(0.0))).min(3.0 * self.base_vol)
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
	let (makers, mm_capital, level, spread, step) = match depth {
		Depth::Deep => (2, 3_000_000.0, 40_000.0, 0.0005, 0.001),
		Depth::Thin => (1, 150_000.0, 4_000.0, 0.003, 0.005),
	};
	let agent = |account, market, strategy, capital, every, offset| Agent {
		account,
		market,
		strategy,
		capital,
		every,
		offset,
		quoted: None,
	};
	let markets = world.markets.clone();
	for (m, market) in markets.iter().enumerate() {
		let max_leverage = 1.0 / market.initial;
		let maker = |i: u32, level: f64| Strategy::MarketMaker {
			levels: 5,
			level,
			spread: spread * (1.0 + i as f64 * 0.5),
			step,
			max_inventory: mm_capital * 0.5,
		};
		match market.instrument {
			Instrument::Perpetual => {
				for i in 0..makers {
					agents.push(agent(next(10), m, maker(i, level), mm_capital, 1, 0));
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
					let capital = rng.gen_range(20_000.0..100_000.0);
					agents.push(agent(next(11), m, strategy, capital, 20, rng.gen_range(0..20)));
				}
				if whale_short && m == 0 {
					let strategy = Strategy::WhaleShort { leverage: max_leverage * 0.9 };
					agents.push(agent(next(12), m, strategy, 400_000.0, 1, 0));
				}
			},
			Instrument::Future { .. } => {
				let perp = markets
					.iter()
					.position(|x| x.view == market.view && x.instrument == Instrument::Perpetual)
					.expect("a future's underlying has a perpetual");
				agents.push(agent(next(13), m, maker(0, level / 2.0), mm_capital / 2.0, 1, 0));
				for i in 0..2 {
					let strategy = Strategy::Basis { future: m, leverage: 3.0 };
					agents.push(agent(next(14), perp, strategy, 200_000.0, 20, 5 + i * 10));
				}
			},
			Instrument::Option { .. } => {},
		}
	}
	// The option books of each chain (markets listed right after their future).
	let mut m = 0;
	while m < markets.len() {
		if !matches!(markets[m].instrument, Instrument::Option { .. }) {
			m += 1;
			continue;
		}
		let count = markets[m..]
			.iter()
			.take_while(|x| matches!(x.instrument, Instrument::Option { .. }))
			.count();
		let view = markets[m].view;
		let perp = markets
			.iter()
			.position(|x| x.view == view && x.instrument == Instrument::Perpetual)
			.expect("an option's underlying has a perpetual");
		let strategy = Strategy::OptionMaker { first: m, count, level: level / 4.0, spread: 0.03 };
		agents.push(agent(next(15), m, strategy, mm_capital, 1, 0));
		// The out-of-the-money call (10% up) and put (10% down) of the chain.
		let (put, call) = (m + 1, m + count - 2);
		for i in 0..2u32 {
			let strategy = Strategy::CoveredCall { call, leverage: 1.0 };
			agents.push(agent(next(16), perp, strategy, 100_000.0, 20, 3 + i * 7));
			let strategy = Strategy::ProtectivePut { put, leverage: 2.0 };
			agents.push(agent(next(17), perp, strategy, 100_000.0, 20, 8 + i * 7));
		}
		m += count;
	}
	for a in &agents {
		world.fund(&a.account, a.capital, true);
	}
	agents
}

/// The positions (size units, long > 0) of `who` in `markets`, and its equity (dollars): one
/// valuation of the account whatever the number of markets asked for.
fn positions<const N: usize>(
	world: &mut World,
	who: &AccountId,
	markets: [u32; N],
) -> ([i128; N], f64) {
	world.with(|| {
		Margin::account_health(&MarginAccount::new(who.clone(), 0)).map_or(([0; N], 0.0), |h| {
			let q = markets.map(|market| {
				h.positions.iter().find(|p| p.market == market).map_or(0, |p| p.quantity)
			});
			(q, dollars(h.equity))
		})
	})
}

/// The option's mark price (dollars per unit), if it has one.
fn option_mark(world: &mut World, m: &SimMarket) -> Option<f64> {
	world.with(|| {
		Margin::option_chain(m.oracle).iter().find(|q| q.market == m.id).map(|q| float(q.mark))
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

/// A market order of `quantity` (long > 0 buys) no worse than `slippage` from `reference`.
fn market_order(
	world: &mut World,
	who: &AccountId,
	m: &SimMarket,
	quantity: i128,
	reference: f64,
	slippage: f64,
	reduce_only: bool,
) -> Submitted {
	let (side, protection) = if quantity > 0 {
		(Side::Buy, m.price(reference * (1.0 + slippage), true))
	} else {
		(Side::Sell, m.price(reference * (1.0 - slippage), false))
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

/// Replaces `who`'s quotes in `m` with `places` (cancel all, then one bulk placement).
fn requote(
	world: &mut World,
	who: &AccountId,
	m: &SimMarket,
	places: Vec<OrderRequest>,
) -> Submitted {
	world.submit(who, RuntimeCall::Orderbook(BookCall::cancel_all { market: m.id, sub: 0 }));
	world.submit(
		who,
		RuntimeCall::Orderbook(BookCall::bulk {
			market: m.id,
			sub: 0,
			cancels: Default::default(),
			places: places.try_into().expect("at most MaxBulk"),
		}),
	)
}

/// Moves `who`'s position in `m` toward `target` size units when it is more than a tenth of
/// `scale` away, with a market order no worse than `band.1` (a fraction) from `band.0`.
fn trade_toward(
	world: &mut World,
	who: &AccountId,
	m: &SimMarket,
	held: i128,
	target: i128,
	scale: i128,
	band: (f64, f64),
) {
	let (reference, slippage) = band;
	let diff = target - held;
	if diff == 0 || diff.abs() * 10 < scale.abs().max(1) {
		return;
	}
	// Toward zero without crossing it: reduce-only, as a careful trader sends it.
	let reducing = held != 0 && target.abs() < held.abs() && target.signum() * held.signum() >= 0;
	market_order(world, who, m, diff, reference, slippage, reducing);
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
		let view = &views[m.view];
		if view.index <= 0.0 {
			continue;
		}
		let units = |notional: f64| m.size(notional, view.index) as i128;
		match a.strategy {
			Strategy::MarketMaker { levels, level, spread, step, max_inventory } => {
				let ([q], _) = positions(world, &a.account, [m.id]);
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
				let size = m.size(level, view.index).max(1);
				let mut places = Vec::new();
				for i in 0..levels {
					let off = spread + step * i as f64;
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
				if requote(world, &a.account, &m, places) == Submitted::Ok {
					a.quoted = Some((view.index, block, q));
				}
			},
			Strategy::Trend { leverage } | Strategy::MeanRevert { leverage } => {
				let ([q], equity) = positions(world, &a.account, [m.id]);
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
				let target = (signal * units(leverage * equity) as f64) as i128;
				trade_toward(
					world,
					&a.account,
					&m,
					q,
					target,
					units(leverage * equity),
					(view.index, 0.02),
				);
			},
			Strategy::WhaleShort { leverage } => {
				// Builds the short a tenth at a time over the first blocks, to 90% of the
				// leverage asked for.
				let ([q], equity) = positions(world, &a.account, [m.id]);
				let held = -m.units(q) * view.index;
				if equity > 0.0 && block < 300 && held < 0.9 * leverage * equity {
					market_order(
						world,
						&a.account,
						&m,
						-units(0.1 * leverage * equity),
						view.index,
						0.02,
						false,
					);
				}
			},
			Strategy::Basis { future, leverage } => {
				let f = world.markets[future].clone();
				if matches!(f.instrument, Instrument::Future { expiry } if world.now_ms + 600_000 >= expiry)
				{
					continue;
				}
				let ([perp_q, future_q], equity) = positions(world, &a.account, [m.id, f.id]);
				if equity <= 0.0 {
					continue;
				}
				let leg = units(leverage * equity / 2.0);
				trade_toward(world, &a.account, &f, future_q, leg, leg, (view.index, 0.02));
				trade_toward(world, &a.account, &m, perp_q, -leg, leg, (view.index, 0.02));
			},
			Strategy::OptionMaker { first, count, level, spread } => {
				let o = world.markets[first + (block as usize) % count].clone();
				let Some(mark) = option_mark(world, &o) else { continue };
				let size = o.size(level, view.index).max(1);
				let mut places = Vec::new();
				let bid = mark * (1.0 - spread);
				if bid >= o.tick {
					places.push(order(
						Side::Buy,
						OrderType::Limit { price: o.price(bid, false) },
						size,
						TimeInForce::Gtc,
						false,
					));
				}
				let ask = (mark * (1.0 + spread)).max(2.0 * o.tick);
				places.push(order(
					Side::Sell,
					OrderType::Limit { price: o.price(ask, true) },
					size,
					TimeInForce::Gtc,
					false,
				));
				requote(world, &a.account, &o, places);
			},
			Strategy::CoveredCall { call: option, leverage }
			| Strategy::ProtectivePut { put: option, leverage } => {
				let o = world.markets[option].clone();
				let ([perp_q, option_q], equity) = positions(world, &a.account, [m.id, o.id]);
				if equity <= 0.0 {
					continue;
				}
				let leg = units(leverage * equity);
				trade_toward(world, &a.account, &m, perp_q, leg, leg, (view.index, 0.02));
				let Some(mark) = option_mark(world, &o) else { continue };
				// Short calls against the long, or long puts under it, as many as it holds.
				let target = if matches!(a.strategy, Strategy::CoveredCall { .. }) {
					-perp_q.max(0)
				} else {
					perp_q.max(0)
				};
				trade_toward(
					world,
					&a.account,
					&o,
					option_q,
					target,
					target,
					(mark.max(o.tick), 0.5),
				);
			},
		}
	}
}

/// The keeper: liquidates every liquidatable account it can fit in the block, hands an
/// insurance fund below zero equity on to deleveraging, advances every pending deleveraging,
/// and settles every dated market whose price is fixed.
pub fn keep(world: &mut World) {
	let (liquidatable, fund_deficit, deleveraging, settling) = world.with(|| {
		// The pallet's own accounts (the insurance fund's inventory) are not liquidated.
		let own = Margin::account_id();
		let accounts: Vec<_> = pallet_clearinghouse_margin::Accounts::<Runtime>::iter_keys()
			.filter(|a| a.owner != own)
			.filter(|a| Margin::account_health(a).is_some_and(|h| h.liquidatable))
			.collect();
		let markets: Vec<u32> =
			pallet_clearinghouse_margin::Deleveraging::<Runtime>::iter_keys().collect();
		// What `deleverage_fund` would queue (it waits for pending deleveragings to end).
		let fund_deficit = markets.is_empty() && Margin::fund_equity().is_some_and(|e| e < 0);
		let settling: Vec<u32> = pallet_clearinghouse_margin::Settlements::<Runtime>::iter()
			.filter(|(_, s)| s.price.is_some() && !s.settled)
			.map(|(m, _)| m)
			.collect();
		(accounts, fund_deficit, markets, settling)
	});
	let keeper = world.keeper.clone();
	for account in liquidatable {
		let call = RuntimeCall::Margin(pallet_clearinghouse_margin::Call::liquidate { account });
		if world.submit(&keeper, call) == Submitted::Full {
			break;
		}
	}
	if fund_deficit {
		let call = RuntimeCall::Margin(pallet_clearinghouse_margin::Call::deleverage_fund {});
		world.submit(&keeper, call);
	}
	for market in deleveraging {
		let call = RuntimeCall::Margin(pallet_clearinghouse_margin::Call::deleverage {
			market,
			steps: 16,
		});
		world.submit(&keeper, call);
	}
	for market in settling {
		let call =
			RuntimeCall::Margin(pallet_clearinghouse_margin::Call::settle { market, steps: 16 });
		world.submit(&keeper, call);
	}
}
