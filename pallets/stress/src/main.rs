//! `clearinghouse-stress`: replays crash-day price paths through the runtime and writes the
//! report. Exits 1 if any run broke an invariant or left bad debt uncovered.
//!
//! ```text
//! clearinghouse-stress [--scenario NAME]... [--csv FILE [--depth deep|thin] [--breaker F]]
//!                      [--seed N] [--insurance USD] [--blocks N] [--out DIR] [--list]
//!                      [--no-derivatives]
//! ```
//! Without `--scenario` or `--csv`, every scenario. `--blocks N` stops each run after N blocks
//! (the CI smoke). Each scenario's generated path is written to `DIR/paths/NAME.csv` in the
//! feeder tool's format, so `zombienet/js/feeder.mjs --csv` can replay it on a live chain.

use clearinghouse_stress::{
	path::{Depth, PricePath, Scenario},
	report,
	sim::{self, Setup},
};
use std::{path::PathBuf, process::ExitCode, time::Instant};

fn usage() -> ExitCode {
	eprintln!(
		"usage: clearinghouse-stress [--scenario NAME]... [--csv FILE [--depth deep|thin] [--breaker F]] \
		 [--seed N] [--insurance USD] [--blocks N] [--out DIR] [--list] [--no-derivatives]"
	);
	ExitCode::from(2)
}

fn main() -> ExitCode {
	let args: Vec<String> = std::env::args().skip(1).collect();
	let mut names = Vec::new();
	let mut csv: Option<PathBuf> = None;
	let mut depth = Depth::Deep;
	let mut breaker = 0.25;
	let mut seed = 1u64;
	let mut insurance = 250_000.0;
	let mut blocks = None;
	let mut out = PathBuf::from("target/stress");
	let mut derivatives = true;
	let mut i = 0;
	while i < args.len() {
		if args[i] == "--no-derivatives" {
			derivatives = false;
			i += 1;
			continue;
		}
		let value = args.get(i + 1).cloned();
		let parsed = match (args[i].as_str(), value) {
			("--list", _) => {
				for s in Scenario::all() {
					println!("{:24} {}", s.name, s.title);
				}
				return ExitCode::SUCCESS;
			},
			("--scenario", Some(v)) => {
				names.push(v);
				true
			},
			("--csv", Some(v)) => {
				csv = Some(v.into());
				true
			},
			("--depth", Some(v)) => {
				depth = if v == "thin" { Depth::Thin } else { Depth::Deep };
				true
			},
			("--breaker", Some(v)) => v.parse().map(|x| breaker = x).is_ok(),
			("--seed", Some(v)) => v.parse().map(|x| seed = x).is_ok(),
			("--insurance", Some(v)) => v.parse().map(|x| insurance = x).is_ok(),
			("--blocks", Some(v)) => v.parse().map(|x| blocks = Some(x)).is_ok(),
			("--out", Some(v)) => {
				out = v.into();
				true
			},
			_ => false,
		};
		if !parsed {
			return usage();
		}
		i += 2;
	}
	let mut runs: Vec<(PricePath, Setup)> = Vec::new();
	if let Some(file) = &csv {
		let text = match std::fs::read_to_string(file) {
			Ok(t) => t,
			Err(e) => {
				eprintln!("{}: {e}", file.display());
				return ExitCode::from(2);
			},
		};
		let path = match PricePath::from_csv(&text) {
			Ok(p) => p,
			Err(e) => {
				eprintln!("{}: {e}", file.display());
				return ExitCode::from(2);
			},
		};
		let name = file.file_stem().map_or("csv".into(), |s| s.to_string_lossy().into_owned());
		runs.push((
			path,
			Setup {
				name: name.clone(),
				title: format!("Recorded path `{}`", file.display()),
				source: format!("CSV {}", file.display()),
				depth,
				whale_short: false,
				breaker,
				insurance,
				seed,
				max_blocks: blocks,
				derivatives,
			},
		));
	}
	let scenarios: Vec<Scenario> = if names.is_empty() && csv.is_none() {
		Scenario::all()
	} else {
		let mut picked = Vec::new();
		for n in &names {
			match Scenario::named(n) {
				Some(s) => picked.push(s),
				None => {
					eprintln!("no scenario {n} (see --list)");
					return ExitCode::from(2);
				},
			}
		}
		picked
	};
	let paths_dir = out.join("paths");
	if let Err(e) = std::fs::create_dir_all(&paths_dir) {
		eprintln!("{}: {e}", paths_dir.display());
		return ExitCode::from(2);
	}
	for s in scenarios {
		let path = s.path(seed);
		let _ = std::fs::write(paths_dir.join(format!("{}.csv", s.name)), path.to_csv());
		runs.push((path, Setup::of(&s, insurance, seed, blocks, derivatives)));
	}
	let mut outcomes = Vec::new();
	for (path, setup) in &runs {
		let t = Instant::now();
		let o = sim::run(path, setup);
		eprintln!(
			"{:24} {:6} blocks in {:6.1} s: {} liquidations, {} ADL fills, bad debt left {}, {} — {}",
			o.name,
			o.blocks,
			t.elapsed().as_secs_f64(),
			o.liquidations,
			o.deleveragings,
			o.uncovered_max,
			if o.violations.is_empty() { "invariants held".to_string() } else { o.violations.join("; ") },
			if o.passed() { "pass" } else { "FAIL" }
		);
		outcomes.push(o);
	}
	let command = std::iter::once("scripts/stress".to_string())
		.chain(args.iter().cloned())
		.collect::<Vec<_>>()
		.join(" ");
	if let Err(e) = report::write(&outcomes, &out, seed, &command) {
		eprintln!("writing the report: {e}");
		return ExitCode::from(2);
	}
	println!("{}", report::table(&outcomes));
	println!("report: {}", out.join("REPORT.md").display());
	if outcomes.iter().all(|o| o.passed()) {
		ExitCode::SUCCESS
	} else {
		ExitCode::FAILURE
	}
}
