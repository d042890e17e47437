//! The clearinghouse collator node.
//!
//! `clearinghouse-node --dev` runs a single-node development chain without a relay chain;
//! without `--dev` it is a cumulus collator (or full node) that follows a relay chain, whose
//! own arguments come after `--`.

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
	command::run()
}
