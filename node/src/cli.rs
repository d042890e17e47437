//! Command-line interface.

use polkadot_sdk::*;
use std::path::PathBuf;

/// Sub-commands.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, clap::Subcommand)]
pub enum Subcommand {
	/// Build a chain specification. Prefer `export-chain-spec`.
	BuildSpec(sc_cli::BuildSpecCmd),
	/// Export a chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),
	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),
	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),
	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),
	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),
	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),
	/// Remove the whole chain (parachain and relay chain databases).
	PurgeChain(cumulus_client_cli::PurgeChainCmd),
	/// Export the genesis head data of the parachain (for registering it on the relay chain).
	#[command(alias = "export-genesis-state")]
	ExportGenesisHead(cumulus_client_cli::ExportGenesisHeadCommand),
	/// Export the genesis wasm of the parachain (for registering it on the relay chain).
	ExportGenesisWasm(cumulus_client_cli::ExportGenesisWasmCommand),
	/// Benchmarks: `benchmark pallet` generates weights (needs `--features runtime-benchmarks`).
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),
	/// Key management.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),
}

const AFTER_HELP_EXAMPLE: &str = color_print::cstr!(
	r#"<bold><underline>Examples:</></>
   <bold>clearinghouse-node --dev</>
           Start a single-node development chain (no relay chain), RPC on ws://127.0.0.1:9944.
   <bold>clearinghouse-node --dev --dev-block-time 2000</>
           The same, sealing a block every 2 seconds instead of on each transaction.
   <bold>clearinghouse-node export-chain-spec --chain local > clearinghouse-local.json</>
           Export the local testnet chain spec (zombienet uses it).
   <bold>clearinghouse-node --collator --chain local -- --chain westend-local.json</>
           Collate for the local testnet; arguments after -- go to the relay chain node.
 "#
);

/// The node's command line.
#[derive(Debug, clap::Parser)]
#[command(
	propagate_version = true,
	args_conflicts_with_subcommands = true,
	subcommand_negates_reqs = true
)]
#[clap(after_help = AFTER_HELP_EXAMPLE)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[command(flatten)]
	pub run: cumulus_client_cli::RunCmd,

	/// In `--dev` mode, seal a block every this many milliseconds. Without it, a block is
	/// sealed as soon as a transaction arrives (instant seal).
	#[arg(long, value_name = "MILLISECONDS")]
	pub dev_block_time: Option<u64>,

	/// Disable the hardware benchmarks run at start-up.
	#[arg(long)]
	pub no_hardware_benchmarks: bool,

	/// Relay chain arguments (after `--`).
	#[arg(raw = true)]
	pub relay_chain_args: Vec<String>,
}

/// The embedded relay chain node's command line.
#[derive(Debug)]
pub struct RelayChainCli {
	/// The actual relay chain cli object.
	pub base: polkadot_cli::RunCmd,
	/// Optional chain id that should be passed to the relay chain.
	pub chain_id: Option<String>,
	/// The base path that should be used by the relay chain.
	pub base_path: Option<PathBuf>,
}

impl RelayChainCli {
	/// Parse the relay chain CLI parameters using the parachain `Configuration`.
	pub fn new<'a>(
		para_config: &sc_service::Configuration,
		relay_chain_args: impl Iterator<Item = &'a String>,
	) -> Self {
		let extension = crate::chain_spec::Extensions::try_get(&*para_config.chain_spec);
		let chain_id = extension.map(|e| e.relay_chain.clone());
		let base_path = para_config.base_path.path().join("polkadot");
		Self {
			base_path: Some(base_path),
			chain_id,
			base: clap::Parser::parse_from(relay_chain_args),
		}
	}
}
