//! Price paths: the feeder tool's CSV (`timestamp,key,price[,vol]`), and the crash-day paths
//! built from published extremes with a seeded Brownian bridge at 6-second steps.
//!
//! A crash day is a list of anchors per market — (hours from the window's start, price) — taken
//! from the day's published open, extremes and close, and the documented time of the drop. Between
//! two anchors the log price follows a Brownian bridge: a random walk with the day's realised
//! volatility, pinned at both anchors. So the path passes through every documented extreme at its
//! documented time, and the seed fixes everything in between. The anchors are approximate
//! (read off public daily and intraday charts of the venue each scenario names) and stated as
//! such in the report; a recorded path replays unchanged through the same CSV format.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::{fmt::Write as _, str::FromStr};

/// Milliseconds between two blocks (and two steps of a generated path).
pub const STEP_MS: u64 = 6_000;

/// The most keys a path may price: what one oracle feed carries (the runtime's `MaxFeedBatch`).
pub const MAX_KEYS: usize = 32;

/// One row of a price path: at `t_ms` (unix milliseconds) the feeders report `price` for `key`
/// (and an annualised implied `vol`, where given).
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
	pub t_ms: u64,
	pub key: String,
	pub price: f64,
	pub vol: Option<f64>,
}

/// A price path: ticks in time order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PricePath {
	pub ticks: Vec<Tick>,
}

impl PricePath {
	/// The keys the path prices, in order of first appearance.
	pub fn keys(&self) -> Vec<String> {
		let mut keys: Vec<String> = Vec::new();
		for t in &self.ticks {
			if !keys.contains(&t.key) {
				keys.push(t.key.clone());
			}
		}
		keys
	}

	/// First and last timestamp.
	pub fn span(&self) -> Option<(u64, u64)> {
		Some((self.ticks.first()?.t_ms, self.ticks.last()?.t_ms))
	}

	/// The first price of `key`.
	pub fn first_price(&self, key: &str) -> Option<f64> {
		self.ticks.iter().find(|t| t.key == key).map(|t| t.price)
	}

	/// The path in the feeder tool's CSV format.
	pub fn to_csv(&self) -> String {
		let mut out = String::from("timestamp,key,price,vol\n");
		for t in &self.ticks {
			let _ = match t.vol {
				Some(v) => writeln!(out, "{},{},{},{}", t.t_ms, t.key, fmt_price(t.price), v),
				None => writeln!(out, "{},{},{},", t.t_ms, t.key, fmt_price(t.price)),
			};
		}
		out
	}

	/// Parses the feeder tool's CSV: a header line naming `timestamp` (optional), `#` comments,
	/// timestamps in unix milliseconds, rows in time order.
	pub fn from_csv(text: &str) -> Result<Self, String> {
		let mut ticks = Vec::new();
		for (i, line) in text.lines().enumerate() {
			let line = line.trim();
			if line.is_empty() || line.starts_with('#') || (i == 0 && line.contains("timestamp")) {
				continue;
			}
			let cols: Vec<&str> = line.split(',').map(str::trim).collect();
			if cols.len() < 3 {
				return Err(format!("line {}: expected timestamp,key,price[,vol]", i + 1));
			}
			let t_ms =
				u64::from_str(cols[0]).map_err(|_| format!("line {}: bad timestamp", i + 1))?;
			let price = f64::from_str(cols[2]).map_err(|_| format!("line {}: bad price", i + 1))?;
			if !(price.is_finite() && price > 0.0) {
				return Err(format!("line {}: price must be positive", i + 1));
			}
			let vol = match cols.get(3) {
				Some(v) if !v.is_empty() => {
					Some(f64::from_str(v).map_err(|_| format!("line {}: bad vol", i + 1))?)
				},
				_ => None,
			};
			if ticks.last().is_some_and(|l: &Tick| l.t_ms > t_ms) {
				return Err(format!("line {}: timestamps must not go back", i + 1));
			}
			if clearinghouse_primitives::OracleKey::from_symbol(cols[1]).is_none() {
				return Err(format!("line {}: a key is 1 to 8 printable ASCII characters", i + 1));
			}
			ticks.push(Tick { t_ms, key: cols[1].to_string(), price, vol });
		}
		if ticks.is_empty() {
			return Err("no rows".into());
		}
		let path = Self { ticks };
		if path.keys().len() > MAX_KEYS {
			return Err(format!("more than {MAX_KEYS} keys: one feed carries at most that many"));
		}
		Ok(path)
	}
}

/// Prices with eight significant digits (what a feeder reports), whatever their magnitude.
fn fmt_price(p: f64) -> String {
	let digits = (8 - p.log10().floor() as i32).clamp(0, 18) as usize;
	let s = format!("{p:.digits$}");
	if s.contains('.') {
		s.trim_end_matches('0').trim_end_matches('.').to_string()
	} else {
		s
	}
}

/// One market's leg of a scenario: its anchors and the noise between them.
#[derive(Clone, Debug)]
pub struct Leg {
	/// The oracle key (and market) it prices.
	pub key: &'static str,
	/// (hours from the window's start, price), in time order; the first at 0, the last at the
	/// window's end.
	pub anchors: Vec<(f64, f64)>,
	/// Annualised volatility of the bridge's noise (the day's realised volatility).
	pub vol: f64,
	/// Single-step jumps: (hours, relative move), applied after the anchor bridge (a gap that
	/// the path takes in one 6-second step and keeps).
	pub gaps: Vec<(f64, f64)>,
}

/// Who trades a scenario's markets (see `agents`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
	/// Two market makers with deep quotes.
	Deep,
	/// One market maker quoting thinly: a squeeze moves the book.
	Thin,
}

/// A stress scenario: a window of a documented day (or a synthetic extreme), its legs, and
/// what the feeders and governance do.
#[derive(Clone, Debug)]
pub struct Scenario {
	/// Command-line name.
	pub name: &'static str,
	/// What happened, with the documented extremes.
	pub title: &'static str,
	/// Where the anchors come from (venue: spot or perpetual) and how they were built.
	pub source: &'static str,
	/// The window's start (unix ms).
	pub start_ms: u64,
	/// The window's length in hours.
	pub hours: f64,
	pub legs: Vec<Leg>,
	/// The feeders are silent from/to these hours (an oracle outage).
	pub outage: Option<(f64, f64)>,
	/// Thin or deep books (every market of the scenario).
	pub depth: Depth,
	/// A large short at the maximum leverage in the first market (the JELLY squeeze's target).
	pub whale_short: bool,
	/// The oracle's circuit breaker: a move of more than this within five minutes halts the key.
	pub breaker: f64,
}

/// Unix milliseconds of `yyyy-mm-dd hh:00 UTC` (proleptic Gregorian; days from civil).
pub const fn utc(y: i64, m: i64, d: i64, h: i64) -> u64 {
	let y = if m <= 2 { y - 1 } else { y };
	let era = if y >= 0 { y } else { y - 399 } / 400;
	let yoe = y - era * 400;
	let mp = (m + 9) % 12;
	let doy = (153 * mp + 2) / 5 + d - 1;
	let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	let days = era * 146_097 + doe - 719_468;
	((days * 24 + h) * 3_600_000) as u64
}

impl Scenario {
	/// Every scenario the report covers, in its order.
	pub fn all() -> Vec<Scenario> {
		let leg = |key, anchors: &[(f64, f64)], vol| Leg {
			key,
			anchors: anchors.to_vec(),
			vol,
			gaps: vec![],
		};
		vec![
			Scenario {
				name: "btc-2020-03-12",
				title: "BTC, 12–13 March 2020 (\"Black Thursday\"): 7,700 → 3,858 (−50%) in 16 hours, 5,300 a day on",
				source: "Coinbase BTC-USD spot: 12 Mar 10:00 UTC ~7,700, 14:00 ~6,000, 23:00 ~4,900, low 3,858 on 13 Mar ~02:15, ~5,300 at 10:00 (BitMEX's perpetual printed 3,596)",
				start_ms: utc(2020, 3, 12, 10),
				hours: 24.0,
				legs: vec![leg(
					"BTC",
					&[(0.0, 7_700.0), (4.0, 6_000.0), (6.0, 5_700.0), (10.0, 5_500.0), (13.0, 4_900.0), (16.25, 3_858.0), (17.0, 4_500.0), (24.0, 5_300.0)],
					1.5,
				)],
				outage: None,
				depth: Depth::Deep,
				whale_short: false,
				breaker: 0.25,
			},
			Scenario {
				name: "luna-2022-05-11",
				title: "LUNA and UST, 11–12 May 2022: LUNA 17 → 0.01 (−99.9%) in 36 hours, UST 0.68 → 0.23",
				source: "Binance LUNA/USDT and UST/USDT spot, daily open/low/close of 11–12 May (LUNA: open ~17, 11 May close ~1.2, 12 May 12:00 ~0.01; UST: open ~0.68, low ~0.23 on 11 May, ~0.60 on 12 May)",
				start_ms: utc(2022, 5, 11, 0),
				hours: 36.0,
				legs: vec![
					leg("LUNA", &[(0.0, 17.0), (6.0, 11.0), (12.0, 6.0), (20.0, 2.5), (24.0, 1.2), (30.0, 0.2), (36.0, 0.01)], 3.0),
					leg("UST", &[(0.0, 0.68), (8.0, 0.45), (14.0, 0.23), (24.0, 0.55), (30.0, 0.60), (36.0, 0.40)], 1.5),
				],
				outage: None,
				depth: Depth::Deep,
				whale_short: false,
				breaker: 0.25,
			},
			Scenario {
				name: "ftt-btc-2022-11-08",
				title: "FTT and BTC, 8–9 November 2022 (FTX): FTT 22 → 5 (−77%) in hours, BTC 20,600 → 15,600 (−24%) over two days",
				source: "Binance FTT/USDT and BTC/USDT spot: FTT ~22 on 8 Nov 00:00 UTC, ~19 at 12:00, ~5 by 17:00, ~3.2 low on 9 Nov; BTC ~20,600, ~17,200 on 8 Nov ~19:00, ~15,600 low on 9 Nov ~23:00",
				start_ms: utc(2022, 11, 8, 0),
				hours: 48.0,
				legs: vec![
					leg("FTT", &[(0.0, 22.0), (12.0, 19.0), (14.0, 14.0), (17.0, 5.0), (24.0, 4.8), (36.0, 3.2), (48.0, 3.5)], 2.5),
					leg("BTC", &[(0.0, 20_600.0), (12.0, 19_500.0), (19.0, 17_200.0), (24.0, 18_500.0), (40.0, 16_500.0), (47.0, 15_600.0), (48.0, 15_900.0)], 0.9),
				],
				outage: None,
				depth: Depth::Deep,
				whale_short: false,
				breaker: 0.25,
			},
			Scenario {
				name: "eth-2024-08-05",
				title: "ETH and BTC, 5 August 2024 (yen carry unwind): ETH 2,880 → 2,111 (−27%) in 10 hours",
				source: "Coinbase ETH-USD and BTC-USD spot: 4 Aug 20:00 UTC ETH ~2,880, BTC ~58,000; lows ETH ~2,111 and BTC ~49,000 at ~06:00 on 5 Aug; ETH ~2,420, BTC ~54,000 at 20:00",
				start_ms: utc(2024, 8, 4, 20),
				hours: 24.0,
				legs: vec![
					leg("ETH", &[(0.0, 2_880.0), (4.0, 2_700.0), (8.0, 2_450.0), (10.0, 2_111.0), (14.0, 2_350.0), (24.0, 2_420.0)], 1.2),
					leg("BTC", &[(0.0, 58_000.0), (4.0, 56_500.0), (8.0, 53_000.0), (10.0, 49_000.0), (14.0, 52_500.0), (24.0, 54_000.0)], 0.8),
				],
				outage: None,
				depth: Depth::Deep,
				whale_short: false,
				breaker: 0.25,
			},
			Scenario {
				name: "cascade-2025-10-10",
				title: "10 October 2025 cascade: BTC 122,000 → 104,600 (−14%) within the hour; alts −70% within minutes, half of it back in an hour",
				source: "Binance BTC/USDT spot and the alt perpetuals of that evening (SUI, ATOM, ENA printed −60% to −80%): BTC ~122,000 at 20:00 UTC, low ~104,600 at ~21:20, ~112,000 at 00:00; an alt at 1.00 falling to 0.30 between 21:05 and 21:20, back to 0.70 by 22:30",
				start_ms: utc(2025, 10, 10, 18),
				hours: 8.0,
				legs: vec![
					leg("BTC", &[(0.0, 121_500.0), (2.0, 122_000.0), (3.0, 117_000.0), (3.33, 104_600.0), (4.0, 110_000.0), (6.0, 112_000.0), (8.0, 112_500.0)], 1.0),
					leg("ALT", &[(0.0, 1.0), (3.08, 0.97), (3.33, 0.30), (4.5, 0.70), (8.0, 0.72)], 2.0),
				],
				outage: None,
				depth: Depth::Deep,
				whale_short: false,
				breaker: 0.25,
			},
			Scenario {
				name: "jelly-squeeze-2025-03",
				title: "A thin market squeezed up, in JELLY's shape (26 March 2025): 0.0095 → 0.050 (+430%) in under two hours against a large short",
				source: "Hyperliquid JELLY-USD perpetual and its spot: ~0.0095 at 13:00 UTC, ~0.050 at ~14:40, delisted near 15:20; the path keeps the rise and fades it to 0.02",
				start_ms: utc(2025, 3, 26, 12),
				hours: 6.0,
				legs: vec![leg("JELLY", &[(0.0, 0.0095), (1.0, 0.0095), (2.0, 0.020), (2.67, 0.050), (3.33, 0.035), (6.0, 0.020)], 3.0)],
				outage: None,
				depth: Depth::Thin,
				whale_short: true,
				breaker: 0.25,
			},
			Scenario {
				name: "gap-40",
				title: "Synthetic: a 40% single-step gap down (6 seconds) in a deep BTC market",
				source: "synthetic: BTC at 100,000 with 60% annual noise, −40% in one step at hour 1",
				start_ms: utc(2026, 1, 1, 0),
				hours: 2.0,
				legs: vec![Leg { key: "BTC", anchors: vec![(0.0, 100_000.0), (2.0, 100_000.0)], vol: 0.6, gaps: vec![(1.0, -0.40)] }],
				outage: None,
				depth: Depth::Deep,
				whale_short: false,
				// A breaker wider than the gap: the gap itself must be absorbed.
				breaker: 0.5,
			},
			Scenario {
				name: "outage-jump",
				title: "Synthetic: the oracle falls silent for 20 minutes and comes back 25% lower",
				source: "synthetic: ETH at 3,000 with 80% annual noise, feeders silent from minute 60 to 80, then −25%",
				start_ms: utc(2026, 1, 1, 0),
				hours: 2.0,
				legs: vec![Leg { key: "ETH", anchors: vec![(0.0, 3_000.0), (2.0, 3_000.0)], vol: 0.8, gaps: vec![(1.333, -0.25)] }],
				outage: Some((1.0, 1.333)),
				depth: Depth::Deep,
				whale_short: false,
				breaker: 0.5,
			},
			Scenario {
				name: "breaker-trip",
				title: "Synthetic: a 30% fall in two minutes trips the oracle's 15% breaker; it resets itself after a quiet window",
				source: "synthetic: SOL at 200 with 80% annual noise, 200 → 140 between minutes 60 and 62",
				start_ms: utc(2026, 1, 1, 0),
				hours: 2.0,
				legs: vec![leg("SOL", &[(0.0, 200.0), (1.0, 200.0), (1.0333, 140.0), (2.0, 145.0)], 0.8)],
				outage: None,
				depth: Depth::Deep,
				whale_short: false,
				breaker: 0.15,
			},
		]
	}

	/// The scenario named `name`.
	pub fn named(name: &str) -> Option<Scenario> {
		Self::all().into_iter().find(|s| s.name == name)
	}

	/// Steps (blocks) of the window.
	pub fn steps(&self) -> u64 {
		(self.hours * 3_600_000.0 / STEP_MS as f64).round() as u64
	}

	/// The scenario's path at 6-second steps, seeded: the anchors exactly, a Brownian bridge
	/// between them, the gaps, and no ticks during an outage.
	pub fn path(&self, seed: u64) -> PricePath {
		let steps = self.steps();
		let mut rng = ChaCha20Rng::seed_from_u64(seed);
		let per_step = |vol: f64| vol * (STEP_MS as f64 / (365.25 * 86_400_000.0)).sqrt();
		let mut legs: Vec<Vec<f64>> = Vec::new();
		for leg in &self.legs {
			let mut log = vec![0.0f64; steps as usize + 1];
			let sigma = per_step(leg.vol);
			for pair in leg.anchors.windows(2) {
				let (h0, p0) = pair[0];
				let (h1, p1) = pair[1];
				let i0 = (h0 * 600.0).round() as usize;
				let i1 = ((h1 * 600.0).round() as usize).min(steps as usize);
				let n = i1.saturating_sub(i0);
				// A random walk, then pinned to both anchors: w_k − (k/n)·w_n.
				let mut walk = vec![0.0f64; n + 1];
				for k in 1..=n {
					walk[k] = walk[k - 1] + sigma * normal(&mut rng);
				}
				for k in 0..=n {
					let f = if n == 0 { 1.0 } else { k as f64 / n as f64 };
					log[i0 + k] = p0.ln() + f * (p1.ln() - p0.ln()) + walk[k] - f * walk[n];
				}
			}
			for &(h, r) in &leg.gaps {
				let at = ((h * 600.0).round() as usize).min(steps as usize);
				for x in log.iter_mut().skip(at) {
					*x += (1.0 + r).ln();
				}
			}
			legs.push(log);
		}
		let silent = |step: u64| {
			self.outage.is_some_and(|(a, b)| {
				let h = step as f64 / 600.0;
				h >= a && h < b
			})
		};
		let mut ticks = Vec::new();
		for step in 0..=steps {
			if silent(step) {
				continue;
			}
			for (leg, log) in self.legs.iter().zip(&legs) {
				ticks.push(Tick {
					t_ms: self.start_ms + step * STEP_MS,
					key: leg.key.to_string(),
					price: log[step as usize].exp(),
					vol: None,
				});
			}
		}
		PricePath { ticks }
	}
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha20Rng) -> f64 {
	let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
	let u2: f64 = rng.gen();
	(-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn max_keys_is_what_one_feed_carries() {
		use polkadot_sdk::frame_support::traits::Get;
		let batch: u32 = <clearinghouse_runtime::Runtime as pallet_clearinghouse_oracle::Config>::MaxFeedBatch::get();
		assert_eq!(MAX_KEYS, batch as usize);
		// Every built-in scenario is a valid path.
		for s in Scenario::all() {
			assert!(PricePath::from_csv(&s.path(1).to_csv()).is_ok(), "{}", s.name);
		}
	}

	#[test]
	fn utc_matches_known_timestamps() {
		assert_eq!(utc(1970, 1, 1, 0), 0);
		// 2020-03-12T10:00:00Z
		assert_eq!(utc(2020, 3, 12, 10), 1_584_007_200_000);
		// 2025-10-10T18:00:00Z
		assert_eq!(utc(2025, 10, 10, 18), 1_760_119_200_000);
	}

	#[test]
	fn a_path_passes_through_its_anchors_and_is_seeded() {
		for s in Scenario::all() {
			let a = s.path(7);
			assert_eq!(a, s.path(7), "{}: same seed, same path", s.name);
			assert_ne!(a, s.path(8), "{}: another seed, another path", s.name);
			for leg in s.legs.iter().filter(|l| l.gaps.is_empty()) {
				for &(h, p) in &leg.anchors {
					let t = s.start_ms + (h * 600.0).round() as u64 * STEP_MS;
					if let Some(tick) = a.ticks.iter().find(|x| x.t_ms == t && x.key == leg.key) {
						assert!(
							(tick.price / p - 1.0).abs() < 1e-9,
							"{} {} at {h}h",
							s.name,
							leg.key
						);
					}
				}
			}
		}
	}

	#[test]
	fn a_gap_is_one_step_and_an_outage_has_no_ticks() {
		let gap = Scenario::named("gap-40").unwrap().path(1);
		let btc: Vec<f64> = gap.ticks.iter().map(|t| t.price).collect();
		let worst = btc.windows(2).map(|w| w[1] / w[0] - 1.0).fold(0.0, f64::min);
		assert!(worst < -0.39 && worst > -0.45, "the gap: {worst}");
		let outage = Scenario::named("outage-jump").unwrap().path(1);
		let start = outage.ticks[0].t_ms;
		let silent = outage.ticks.iter().filter(|t| {
			let m = (t.t_ms - start) / 60_000;
			(60..80).contains(&m)
		});
		assert_eq!(silent.count(), 0);
	}

	#[test]
	fn csv_round_trips_and_bad_rows_are_refused() {
		let path = Scenario::named("cascade-2025-10-10").unwrap().path(3);
		let back = PricePath::from_csv(&path.to_csv()).unwrap();
		assert_eq!(back.ticks.len(), path.ticks.len());
		for (a, b) in back.ticks.iter().zip(&path.ticks) {
			assert_eq!((a.t_ms, &a.key), (b.t_ms, &b.key));
			assert!((a.price / b.price - 1.0).abs() < 1e-7);
		}
		assert!(PricePath::from_csv("timestamp,key,price\n1,BTC,-3\n").is_err());
		assert!(PricePath::from_csv("2,BTC,3\n1,BTC,3\n").is_err());
		assert!(PricePath::from_csv("x,BTC,3\n").is_err());
		assert!(PricePath::from_csv("1,TOOLONGKEY,3\n").is_err());
		assert!(PricePath::from_csv("1,,3\n").is_err());
		let many: String = (0..=MAX_KEYS).map(|k| format!("1,K{k},3\n")).collect();
		assert!(PricePath::from_csv(&many).is_err());
		assert_eq!(PricePath::from_csv("# c\n1,BTC,3.5,0.6\n").unwrap().ticks[0].vol, Some(0.6));
	}
}
