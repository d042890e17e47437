//! One replay: a price path through the runtime, block by block, with the agents, the keeper
//! and every invariant checked after every block.

use crate::{
	agents::{self, Agent, MarketView},
	path::{Depth, PricePath, STEP_MS},
	world::{dollars, Listing, World},
};
use clearinghouse_runtime::{Confidential, Margin, Oracle, Orderbook, Runtime, Vaults};
use pallet_clearinghouse_margin::TotalBadDebt;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeMap;

/// What a replay is given besides its path.
#[derive(Clone, Debug)]
pub struct Setup {
	pub name: String,
	pub title: String,
	pub source: String,
	pub depth: Depth,
	pub whale_short: bool,
	/// The oracle breaker's bound within five minutes.
	pub breaker: f64,
	/// Dollars donated to the insurance fund before the first block.
	pub insurance: f64,
	pub seed: u64,
	/// Stop after this many blocks (a smoke run).
	pub max_blocks: Option<u64>,
	/// List a dated future and an option chain on the first underlying, with hedged books.
	pub derivatives: bool,
}

impl Setup {
	/// The set-up of built-in scenario `s` (its texts, book depth, whale and breaker) with the
	/// run's own choices.
	pub fn of(
		s: &crate::path::Scenario,
		insurance: f64,
		seed: u64,
		max_blocks: Option<u64>,
		derivatives: bool,
	) -> Self {
		Setup {
			name: s.name.into(),
			title: s.title.into(),
			source: s.source.into(),
			depth: s.depth,
			whale_short: s.whale_short,
			breaker: s.breaker,
			insurance,
			seed,
			max_blocks,
			derivatives,
		}
	}
}

/// Per-block series for the plots.
#[derive(Clone, Debug, Default)]
pub struct Series {
	/// Hours from the start.
	pub hours: Vec<f64>,
	/// Each market's index (dollars), by market.
	pub index: Vec<Vec<f64>>,
	pub insurance: Vec<f64>,
	pub liquidations: Vec<u32>,
	pub deleveragings: Vec<u32>,
	/// Open interest (dollars at index, long side), all markets.
	pub open_interest: Vec<f64>,
	/// The lowest equity of any trader (dollars).
	pub worst_equity: Vec<f64>,
	/// Weight used, % of the block's maximum.
	pub weight: Vec<f64>,
}

/// What a replay found.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
	pub name: String,
	pub title: String,
	pub source: String,
	pub markets: Vec<String>,
	pub blocks: u64,
	pub traders: usize,
	/// Bad debt left uncovered (settlement units): the most at any block, and at the end.
	pub uncovered_max: u128,
	pub uncovered_end: u128,
	/// Bad debt the insurance fund paid (settlement units).
	pub insurance_covered: u128,
	/// The insurance fund's equity (dollars): start, lowest, end.
	pub insurance_start: f64,
	pub insurance_min: f64,
	pub insurance_end: f64,
	pub liquidations: u64,
	pub max_liquidations_per_block: u32,
	pub deleveragings: u64,
	pub trades: u64,
	/// Trades by instrument: perpetuals, futures, options.
	pub trades_by_kind: [u64; 3],
	pub breaker_trips: u64,
	pub worst_equity: f64,
	pub max_open_interest: f64,
	/// The most weight any block used, % of the block's maximum.
	pub max_weight_pct: f64,
	/// Calls that did not fit their block.
	pub dropped: u64,
	/// Invariant checks run (each check once per block) and the broken ones.
	pub checks: u64,
	pub violations: Vec<String>,
	/// Refused calls by error (what agents tried that the rules stopped).
	pub refusals: BTreeMap<&'static str, u64>,
	pub series: Series,
}

impl Outcome {
	/// A run passes with every invariant intact and no bad debt left uncovered: none recorded
	/// as uncovered, and no deficit left in the insurance fund at the end (a fund whose
	/// positions taken over have lost more than it holds carries a loss nobody was assigned:
	/// uncovered bad debt in another place).
	pub fn passed(&self) -> bool {
		self.violations.is_empty()
			&& self.uncovered_end == 0
			&& self.uncovered_max == 0
			&& self.insurance_end >= 0.0
	}
}

/// The listing of `key` for a path: majors at 10× (10% / 5%), the rest at 5× (20% / 10%);
/// with `derivatives`, a future expiring three quarters into the path and an option chain
/// expiring a day after it.
fn listing(path: &PricePath, key: &str, breaker: f64, derivatives: bool) -> Listing {
	let major = matches!(key, "BTC" | "ETH" | "SOL");
	let low = path.ticks.iter().filter(|t| t.key == key).map(|t| t.price).fold(f64::MAX, f64::min);
	Listing {
		key: key.to_string(),
		low,
		first: path.first_price(key).unwrap_or(low),
		initial: if major { 0.10 } else { 0.20 },
		maintenance: if major { 0.05 } else { 0.10 },
		breaker,
		derivatives: derivatives.then(|| {
			let (start, end) = path.span().unwrap_or_default();
			// On a whole minute, as a venue lists expiries.
			let future = (start + (end - start) * 3 / 4) / 60_000 * 60_000;
			(future, end + 86_400_000)
		}),
	}
}

/// Replays `path` with `setup`.
pub fn run(path: &PricePath, setup: &Setup) -> Outcome {
	let keys = path.keys();
	// The first underlying also has a dated future and an option chain, and hedged books.
	let listings: Vec<Listing> = keys
		.iter()
		.enumerate()
		.map(|(i, k)| listing(path, k, setup.breaker, i == 0 && setup.derivatives))
		.collect();
	let (start, end) = path.span().expect("a path has ticks");
	let mut world = World::new(start, &listings, setup.insurance);
	let mut agents = agents::population(&mut world, setup.depth, setup.whale_short, setup.seed);
	let mut rng = ChaCha20Rng::seed_from_u64(setup.seed);
	let mut views = vec![MarketView::default(); keys.len()];
	for (v, l) in views.iter_mut().zip(&listings) {
		v.update(l.first);
		v.base_vol = if l.initial <= 0.1 { 0.6 } else { 1.2 };
	}
	let mut out = Outcome {
		name: setup.name.clone(),
		title: setup.title.clone(),
		source: setup.source.clone(),
		markets: keys.clone(),
		traders: agents.len(),
		..Default::default()
	};
	out.insurance_start = dollars(world.insurance_equity());
	out.insurance_min = out.insurance_start;
	out.worst_equity = f64::INFINITY;
	out.series.index = vec![Vec::new(); keys.len()];
	let mut cursor = 0usize;
	let mut now = start;
	while now < end && setup.max_blocks.is_none_or(|m| out.blocks < m) {
		now += STEP_MS;
		world.open_block(now);
		let prices = World::prices_at(path, &mut cursor, now);
		let mut feed = Vec::new();
		for (k, p, vol) in &prices {
			if let Some(i) = keys.iter().position(|x| x == k) {
				views[i].update(*p);
				let vol = listings[i].derivatives.map(|_| vol.unwrap_or(views[i].implied_vol()));
				feed.push((k.clone(), *p, vol));
			}
		}
		if !feed.is_empty() {
			world.feed(&feed);
		}
		agents::keep(&mut world);
		let block = world.block;
		agents::act(&mut world, &mut agents, &views, block, &mut rng);
		world.close_block();
		out.blocks += 1;
		record(&mut world, &agents, &views, &mut out);
		match check(&mut world) {
			Ok(n) => out.checks += n,
			Err(e) => {
				out.violations.push(format!(
					"block {} ({} h): {e}",
					world.block,
					(now - start) as f64 / 3.6e6
				));
				if out.violations.len() > 20 {
					break;
				}
			},
		}
	}
	out.insurance_end = dollars(world.insurance_equity());
	out.uncovered_end = world.with(TotalBadDebt::<Runtime>::get);
	out.refusals = world.failures.clone();
	out
}

/// The block's figures into `out`.
fn record(world: &mut World, agents: &[Agent], views: &[MarketView], out: &mut Outcome) {
	let t = world.tally.clone();
	let s = &mut out.series;
	s.hours.push((world.now_ms - world.start_ms) as f64 / 3.6e6);
	for (i, v) in views.iter().enumerate() {
		s.index[i].push(v.index);
	}
	let insurance = dollars(world.insurance_equity());
	s.insurance.push(insurance);
	s.liquidations.push(t.liquidations);
	s.deleveragings.push(t.deleveragings);
	let markets = world.markets.clone();
	let (oi, worst) = world.with(|| {
		let mut oi = 0.0;
		for m in &markets {
			let state = Margin::market_state(m.id);
			oi += m.units(state.open_interest as i128) * views[m.view].index;
		}
		let worst = agents
			.iter()
			.filter_map(|a| {
				Margin::account_health(&pallet_clearinghouse_margin::MarginAccount::new(
					a.account.clone(),
					0,
				))
			})
			.map(|h| dollars(h.equity))
			.fold(f64::MAX, f64::min);
		(oi, worst)
	});
	s.open_interest.push(oi);
	s.worst_equity.push(worst);
	// The fuller of the two dimensions: compute time and proof size (the PoV).
	let limit = World::block_limit();
	let pct = 100.0
		* (t.weight_used.ref_time() as f64 / limit.ref_time() as f64)
			.max(t.weight_used.proof_size() as f64 / limit.proof_size() as f64);
	s.weight.push(pct);
	out.insurance_min = out.insurance_min.min(insurance);
	out.insurance_covered += t.bad_debt_covered;
	out.liquidations += t.liquidations as u64;
	out.max_liquidations_per_block = out.max_liquidations_per_block.max(t.liquidations);
	out.deleveragings += t.deleveragings as u64;
	out.trades += t.trades as u64;
	for (total, n) in out.trades_by_kind.iter_mut().zip(t.trades_by_kind) {
		*total += n as u64;
	}
	out.breaker_trips += t.breaker_trips as u64;
	out.worst_equity = out.worst_equity.min(worst);
	out.max_open_interest = out.max_open_interest.max(oi);
	out.max_weight_pct = out.max_weight_pct.max(pct);
	out.dropped += t.dropped as u64;
	let uncovered = world.with(TotalBadDebt::<Runtime>::get);
	out.uncovered_max = out.uncovered_max.max(uncovered);
}

/// Every invariant, after a block: each clearinghouse pallet's `try_state`, and the
/// cross-pallet ones. Returns how many checks ran.
pub fn check(world: &mut World) -> Result<u64, String> {
	let deposited = world.deposited;
	let fills = world.fills;
	world.with(|| {
		let mut n = 0u64;
		let mut run = |name: &str, r: Result<(), polkadot_sdk::sp_runtime::TryRuntimeError>| {
			n += 1;
			r.map_err(|e| format!("{name} try_state: {e:?}"))
		};
		run("oracle", Oracle::do_try_state())?;
		run("vaults", Vaults::do_try_state())?;
		run("orderbook", Orderbook::do_try_state())?;
		run("margin", Margin::do_try_state())?;
		run("confidential", Confidential::do_try_state())?;
		run("invariants", crate::invariants::cross_pallet(deposited, 2 * fills))?;
		Ok(n)
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::path::Scenario;

	fn setup(s: &Scenario, blocks: u64) -> Setup {
		Setup::of(s, 100_000.0, 1, Some(blocks), true)
	}

	#[test]
	fn a_short_replay_trades_and_keeps_every_invariant() {
		let s = Scenario::named("gap-40").unwrap();
		let t = std::time::Instant::now();
		let out = run(&s.path(1), &setup(&s, 40));
		eprintln!("{} blocks in {:?}: {out:?}", out.blocks, t.elapsed());
		assert_eq!(out.blocks, 40);
		assert!(out.trades > 0, "the agents trade");
		assert!(out.violations.is_empty(), "{:?}", out.violations);
		assert_eq!(out.checks, 40 * 6);
	}

	#[test]
	fn a_gap_liquidates_through_the_waterfall_and_leaves_no_bad_debt() {
		use crate::path::{utc, Leg};
		// Five minutes of trading, then BTC gaps 40% down in one block.
		let s = Scenario {
			legs: vec![Leg {
				key: "BTC",
				anchors: vec![(0.0, 100_000.0), (0.2, 100_000.0)],
				vol: 0.6,
				gaps: vec![(1.0 / 12.0, -0.40)],
			}],
			hours: 0.2,
			start_ms: utc(2026, 1, 1, 0),
			..Scenario::named("gap-40").unwrap()
		};
		let out = run(&s.path(2), &setup(&s, 120));
		assert!(out.violations.is_empty(), "{:?}", out.violations);
		assert!(out.liquidations > 0, "the gap bankrupts the leveraged: {out:?}");
		// Someone was wiped out, past zero: the waterfall covered the loss (the fund paid,
		// or deleveraging handed it on), nothing is left uncovered.
		assert!(out.worst_equity <= 0.0);
		assert!(out.insurance_covered > 0 || out.deleveragings > 0, "a bankruptcy: {out:?}");
		assert!(out.insurance_min < out.insurance_start, "the fund paid");
		assert_eq!((out.uncovered_max, out.uncovered_end), (0, 0));
		assert!(out.passed());
	}
}
