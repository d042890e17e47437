//! The node's RPC extensions beyond Substrate's defaults, the ISMP RPC for Hyperbridge
//! relayers among them.

use std::sync::Arc;

use clearinghouse_runtime::{opaque::Block, AccountId, Balance, Nonce};
use polkadot_sdk::*;

use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

/// The RPC module the node serves.
pub type RpcExtension = jsonrpsee::RpcModule<()>;

/// What the RPC handlers need.
pub struct FullDeps<C, P, B> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// The database backend (its offchain storage holds ISMP's full requests).
	pub backend: Arc<B>,
}

/// All RPC extensions: account nonces (`system_accountNextIndex`) and fee queries
/// (`payment_queryInfo`), which Polkadot.js uses to sign and show fees, and the ISMP RPC
/// (`ismp_*`) that Hyperbridge relayers query for requests, events and proofs.
pub fn create_full<C, P, B>(
	deps: FullDeps<C, P, B>,
) -> Result<RpcExtension, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ sc_client_api::ProofProvider<Block>
		+ sc_client_api::BlockBackend<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_ismp_runtime_api::IsmpRuntimeApi<Block, sp_core::H256>,
	C::Api: BlockBuilder<Block>,
	P: TransactionPool + Sync + Send + 'static,
	B: sc_client_api::Backend<Block> + Send + Sync + 'static,
	B::OffchainStorage: Clone + Send + Sync + 'static,
{
	use pallet_ismp_rpc::{IsmpApiServer, IsmpRpcHandler};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcExtension::new(());
	let FullDeps { client, pool, backend } = deps;
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(IsmpRpcHandler::new(client, backend)?.into_rpc())?;
	Ok(module)
}
