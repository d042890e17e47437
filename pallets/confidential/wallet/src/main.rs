//! `clearinghouse-wallet`: a confidential account's wallet on the command line. Each command
//! reads and updates the wallet file and prints one JSON object — the arguments of the call to
//! submit (hex, as Polkadot.js takes bytes) — for a client to sign and send. The chain-side
//! values a statement needs (version, floor, epoch, a band's surpluses, a transfer's id) come
//! from the runtime API (`ConfidentialApi`) through the client.
//!
//! ```text
//! clearinghouse-wallet new      --wallet w.json --account 0x… --genesis 0x…   → enable's args
//! clearinghouse-wallet shield   --wallet w.json --amount N                    → after shield
//! clearinghouse-wallet unshield --wallet w.json --amount N --version V --floor F
//! clearinghouse-wallet band     --wallet w.json --underlying DOT --low L --high H --headroom X
//!                               --surplus-low S --surplus-high S --version V --epoch E
//! clearinghouse-wallet transfer --wallet w.json --to 0x… --to-key 0x… --amount N --version V --floor F
//! clearinghouse-wallet accept   --wallet w.json --id I --version V --amount 0x… --sealed 0x…
//! clearinghouse-wallet returned|delivered --wallet w.json --amount 0x…
//! clearinghouse-wallet seized   --wallet w.json --amount N
//! clearinghouse-wallet balance  --wallet w.json
//! ```

use clap::{Parser, Subcommand};
use clearinghouse_wallet::{to_hex, Error, Wallet};
use serde_json::json;
use std::{path::PathBuf, process::ExitCode};

#[derive(Parser)]
#[command(version, about = "A confidential margin account's wallet and prover")]
struct Cli {
	/// The wallet file.
	#[arg(long, global = true, default_value = "wallet.json")]
	wallet: PathBuf,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Create the wallet; print `confidential.enable`'s key, commitment and proof.
	New {
		/// The account, SCALE-encoded (owner, sub-account).
		#[arg(long)]
		account: String,
		/// The chain's genesis hash.
		#[arg(long)]
		genesis: String,
	},
	/// Record a shield of `amount` (submit `confidential.shield` yourself: it needs no proof).
	Shield {
		#[arg(long)]
		amount: u64,
	},
	/// Prove `confidential.unshield(amount)`.
	Unshield {
		#[arg(long)]
		amount: u64,
		#[arg(long)]
		version: u64,
		#[arg(long, default_value_t = 0)]
		floor: u64,
	},
	/// Prove `confidential.proveBand`.
	Band {
		/// The underlying's oracle symbol (up to 8 ASCII bytes).
		#[arg(long)]
		underlying: String,
		/// The band's ends, as FixedU128 inner values (price × 10^18).
		#[arg(long)]
		low: u128,
		#[arg(long)]
		high: u128,
		#[arg(long, default_value_t = 0)]
		headroom: u64,
		/// The chain's public surplus at each end (settlement units).
		#[arg(long, allow_hyphen_values = true)]
		surplus_low: i128,
		#[arg(long, allow_hyphen_values = true)]
		surplus_high: i128,
		#[arg(long)]
		version: u64,
		#[arg(long)]
		epoch: u64,
	},
	/// Prove `confidential.transfer` of `amount` to `to`.
	Transfer {
		/// The receiver, SCALE-encoded.
		#[arg(long)]
		to: String,
		/// The receiver's encryption key (its `state(..).key`).
		#[arg(long)]
		to_key: String,
		#[arg(long)]
		amount: u64,
		#[arg(long)]
		version: u64,
		#[arg(long, default_value_t = 0)]
		floor: u64,
	},
	/// Open a transfer from the inbox and prove `confidential.accept(id)`.
	Accept {
		#[arg(long)]
		id: u64,
		#[arg(long)]
		version: u64,
		/// The transfer's amount commitment.
		#[arg(long)]
		amount: String,
		/// The transfer's sealed opening.
		#[arg(long)]
		sealed: String,
	},
	/// A transfer this wallet sent came back.
	Returned {
		#[arg(long)]
		amount: String,
	},
	/// A transfer this wallet sent was accepted.
	Delivered {
		#[arg(long)]
		amount: String,
	},
	/// Liquidation seized `amount` of the hidden balance.
	Seized {
		#[arg(long)]
		amount: u64,
	},
	/// The hidden balance and the commitment the chain should hold.
	Balance,
}

fn bytes(h: &str) -> Result<Vec<u8>, Error> {
	hex::decode(h.trim_start_matches("0x")).map_err(|_| Error::Malformed)
}

fn array(h: &str) -> Result<[u8; 32], Error> {
	bytes(h)?.try_into().map_err(|_| Error::Malformed)
}

fn run(cli: Cli) -> Result<serde_json::Value, Error> {
	let load = || -> Result<Wallet, Error> {
		let text = std::fs::read_to_string(&cli.wallet).map_err(|_| Error::Malformed)?;
		serde_json::from_str(&text).map_err(|_| Error::Malformed)
	};
	let store = |w: &Wallet| -> Result<(), Error> {
		let text = serde_json::to_string_pretty(w).map_err(|_| Error::Malformed)?;
		std::fs::write(&cli.wallet, text).map_err(|_| Error::Malformed)
	};
	let out = match &cli.command {
		Command::New { account, genesis } => {
			let (wallet, call) = Wallet::new(&bytes(account)?, &array(genesis)?);
			store(&wallet)?;
			serde_json::to_value(call).map_err(|_| Error::Malformed)?
		},
		Command::Shield { amount } => {
			let mut w = load()?;
			w.shield(*amount)?;
			store(&w)?;
			json!({ "commitment": to_hex(&w.commitment()?) })
		},
		Command::Unshield { amount, version, floor } => {
			let mut w = load()?;
			let proof = w.unshield(*amount, *version, *floor)?;
			store(&w)?;
			json!({ "proof": to_hex(&proof), "commitment": to_hex(&w.commitment()?) })
		},
		Command::Band {
			underlying,
			low,
			high,
			headroom,
			surplus_low,
			surplus_high,
			version,
			epoch,
		} => {
			let mut key = [0u8; 8];
			let symbol = underlying.as_bytes();
			if symbol.len() > 8 {
				return Err(Error::Malformed);
			}
			key[..symbol.len()].copy_from_slice(symbol);
			let proof = load()?.band(
				key,
				*low,
				*high,
				*headroom,
				[*surplus_low, *surplus_high],
				*version,
				*epoch,
			)?;
			json!({ "proof": to_hex(&proof) })
		},
		Command::Transfer { to, to_key, amount, version, floor } => {
			let mut w = load()?;
			let call = w.transfer(&bytes(to)?, &array(to_key)?, *amount, *version, *floor)?;
			store(&w)?;
			serde_json::to_value(call).map_err(|_| Error::Malformed)?
		},
		Command::Accept { id, version, amount, sealed } => {
			let mut w = load()?;
			let proof = w.accept(*id, *version, &array(amount)?, &bytes(sealed)?)?;
			store(&w)?;
			json!({ "proof": to_hex(&proof), "commitment": to_hex(&w.commitment()?) })
		},
		Command::Returned { amount } => {
			let mut w = load()?;
			w.returned(&array(amount)?)?;
			store(&w)?;
			json!({ "commitment": to_hex(&w.commitment()?) })
		},
		Command::Delivered { amount } => {
			let mut w = load()?;
			w.delivered(&array(amount)?);
			store(&w)?;
			json!({})
		},
		Command::Seized { amount } => {
			let mut w = load()?;
			w.seized(*amount)?;
			store(&w)?;
			json!({ "commitment": to_hex(&w.commitment()?) })
		},
		Command::Balance => {
			let w = load()?;
			json!({
				"value": w.value,
				"commitment": to_hex(&w.commitment()?),
				"key": to_hex(&w.public_key()?),
			})
		},
	};
	Ok(out)
}

fn main() -> ExitCode {
	match run(Cli::parse()) {
		Ok(out) => {
			println!("{out}");
			ExitCode::SUCCESS
		},
		Err(e) => {
			eprintln!("{}", json!({ "error": format!("{e:?}") }));
			ExitCode::FAILURE
		},
	}
}
