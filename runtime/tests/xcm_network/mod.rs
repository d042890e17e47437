//! An `xcm-simulator` network: a mock relay chain, a mock sibling parachain that is the reserve
//! of a stablecoin, and this chain — the real runtime with its real XCM configuration.
//!
//! The simulator talks to parachains through the legacy handler traits, while this runtime
//! queues messages the cumulus way. [`ClearinghouseMessages`] bridges the two without touching
//! the runtime: inbound messages go into its `XcmpQueue` (or the message queue for the relay)
//! and the queue is serviced, which runs the runtime's own executor; outbound messages are
//! taken from the runtime's real router queues ([`forward_outbound`]) onto the simulator's bus.

pub mod relay;
pub mod sibling;

use clearinghouse_runtime::{configs::xcm::XcmRouter, MessageQueue, ParachainSystem, XcmpQueue};
use polkadot_sdk::{
	cumulus_primitives_core::AggregateMessageOrigin,
	frame_support::{
		traits::{EnqueueMessage, ServiceQueues},
		weights::Weight,
		BoundedSlice,
	},
	sp_io,
	staging_xcm::latest::prelude::*,
	staging_xcm_builder::InspectMessageQueues,
	xcm_simulator::{
		decl_test_network, decl_test_parachain, decl_test_relay_chain, DmpMessageHandlerT, ParaId,
		RelayBlockNumber, TestExt, XcmpMessageHandlerT, PARA_MESSAGE_BUS,
	},
};

// The relay macro names this crate path.
use polkadot_sdk::pallet_message_queue;

/// This chain's para id (the development preset's).
pub const CLEARINGHOUSE_ID: u32 = clearinghouse_runtime::genesis_config_presets::PARACHAIN_ID;

/// Moves what this runtime's router queued (sibling XCMP pages, upward messages) onto the
/// simulator's bus, then clears the queues.
pub fn forward_outbound() {
	for (destination, messages) in <XcmRouter as InspectMessageQueues>::get_messages() {
		let destination: Location = destination.try_into().expect("a v5 location");
		for message in messages {
			let message: Xcm<()> = message.try_into().expect("a v5 message");
			PARA_MESSAGE_BUS.with(|bus| {
				bus.borrow_mut().push_back((CLEARINGHOUSE_ID.into(), destination.clone(), message))
			});
		}
	}
	<XcmRouter as InspectMessageQueues>::clear_messages();
}

/// Delivers simulator messages to this runtime's queues and services them.
pub struct ClearinghouseMessages;
impl XcmpMessageHandlerT for ClearinghouseMessages {
	fn handle_xcmp_messages<'a, I: Iterator<Item = (ParaId, RelayBlockNumber, &'a [u8])>>(
		iter: I,
		max_weight: Weight,
	) -> Weight {
		let used = <XcmpQueue as XcmpMessageHandlerT>::handle_xcmp_messages(iter, max_weight);
		MessageQueue::service_queues(Weight::MAX);
		forward_outbound();
		used
	}
}
impl DmpMessageHandlerT for ClearinghouseMessages {
	fn handle_dmp_messages(
		iter: impl Iterator<Item = (RelayBlockNumber, Vec<u8>)>,
		_max_weight: Weight,
	) -> Weight {
		for (_, message) in iter {
			let message = BoundedSlice::try_from(&message[..]).expect("a small message");
			<MessageQueue as EnqueueMessage<AggregateMessageOrigin>>::enqueue_message(
				message,
				AggregateMessageOrigin::Parent,
			);
		}
		MessageQueue::service_queues(Weight::MAX);
		forward_outbound();
		Weight::zero()
	}
}

/// This chain at genesis (the development preset), with an outbound channel to the sibling.
pub fn clearinghouse_ext() -> sp_io::TestExternalities {
	let mut ext = crate::common::ext_from_preset("development");
	ext.execute_with(|| {
		ParachainSystem::open_outbound_hrmp_channel_for_benchmarks_or_tests(
			sibling::SIBLING_ID.into(),
		);
	});
	ext
}

decl_test_parachain! {
	pub struct Clearinghouse {
		Runtime = clearinghouse_runtime::Runtime,
		XcmpMessageHandler = ClearinghouseMessages,
		DmpMessageHandler = ClearinghouseMessages,
		new_ext = clearinghouse_ext(),
	}
}

decl_test_parachain! {
	pub struct Sibling {
		Runtime = sibling::Runtime,
		XcmpMessageHandler = sibling::MsgQueue,
		DmpMessageHandler = sibling::MsgQueue,
		new_ext = sibling::new_ext(&crate::holders()),
	}
}

decl_test_relay_chain! {
	pub struct Relay {
		Runtime = relay::Runtime,
		RuntimeCall = relay::RuntimeCall,
		RuntimeEvent = relay::RuntimeEvent,
		XcmConfig = relay::XcmConfig,
		MessageQueue = relay::MessageQueue,
		System = relay::System,
		new_ext = relay::new_ext(),
	}
}

decl_test_network! {
	pub struct Network {
		relay_chain = Relay,
		parachains = vec![
			(1000, Sibling),
			(2000, Clearinghouse),
		],
	}
}
