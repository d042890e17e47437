//! The wallet's proofs against the verifier, under statements built as the pallet builds them.

use super::*;
use clearinghouse_zk::{verify_knowledge, verify_opening, verify_range};

const GENESIS: [u8; 32] = [5; 32];

/// An account as the mock runtime encodes it: (owner, sub-account).
fn account(owner: u64) -> Vec<u8> {
	(owner, 0u8).encode()
}

fn statement<'a>(
	operation: Operation,
	account: &'a [u8],
	version: u64,
	epoch: u64,
	public: &'a [u8],
) -> Statement<'a> {
	Statement { genesis: GENESIS, operation, account, version, epoch, public }
}

fn bytes(h: &str) -> Vec<u8> {
	unhex_vec(h).unwrap()
}

fn arr(h: &str) -> [u8; 32] {
	unhex::<32>(h).unwrap()
}

#[test]
fn enable_shield_unshield_make_the_proofs_the_chain_checks() {
	let alice = account(1);
	let (mut wallet, call) = Wallet::new(&alice, &GENESIS);
	let key = arr(&call.key);
	assert_eq!(key, wallet.public_key().unwrap());
	let zero = Commitment(arr(&call.commitment));
	assert_eq!(
		verify_opening(
			&statement(Operation::Enable, &alice, 0, 0, &key),
			&zero,
			0,
			&bytes(&call.proof)
		),
		Ok(())
	);
	wallet.shield(10_000).unwrap();
	let on_chain = zero.add_value(10_000).unwrap();
	assert_eq!(wallet.commitment().unwrap(), on_chain.0);
	// Unshield 3,000 keeping a floor of 5,000: the chain checks C − (3,000 + 5,000)·G.
	let proof = wallet.unshield(3_000, 0, 5_000).unwrap();
	let public = 3_000u128.encode();
	assert_eq!(
		verify_range(
			&statement(Operation::Unshield, &alice, 0, 0, &public),
			&[on_chain.add_value(-8_000).unwrap()],
			&proof
		),
		Ok(())
	);
	assert_eq!(wallet.commitment().unwrap(), on_chain.add_value(-3_000).unwrap().0);
	// Beyond the floor: no proof.
	assert_eq!(wallet.unshield(2_001, 1, 5_000), Err(Error::Insufficient));
	assert_eq!(wallet.value, 7_000);
	// A wallet file round-trips.
	let text = serde_json::to_string(&wallet).unwrap();
	assert_eq!(serde_json::from_str::<Wallet>(&text).unwrap(), wallet);
}

#[test]
fn a_transfer_is_sealed_to_the_receiver_alone_and_accepted_with_a_proof_of_its_opening() {
	let (alice, bob) = (account(1), account(2));
	let (mut sender, _) = Wallet::new(&alice, &GENESIS);
	let (mut receiver, _) = Wallet::new(&bob, &GENESIS);
	let (eve, _) = Wallet::new(&account(3), &GENESIS);
	sender.shield(10_000).unwrap();
	let before = Commitment(sender.commitment().unwrap());
	let bob_before = Commitment(receiver.commitment().unwrap());
	let call = sender.transfer(&bob, &receiver.public_key().unwrap(), 2_500, 4, 1_000).unwrap();
	let amount = Commitment(arr(&call.amount));
	let sealed = bytes(&call.sealed);
	assert_eq!(sealed.len(), SEALED_LEN);
	// The statement's public data exactly as the pallet encodes `(to, amount, sealed)`.
	let public = ((2u64, 0u8), amount.0, sealed.clone()).encode();
	let kept = before.sub(&amount).unwrap().add_value(-1_000).unwrap();
	assert_eq!(
		verify_range(
			&statement(Operation::Transfer, &alice, 4, 0, &public),
			&[amount, kept],
			&bytes(&call.proof)
		),
		Ok(())
	);
	assert_eq!(Commitment(sender.commitment().unwrap()), before.sub(&amount).unwrap());
	// Only Bob opens it; a tampered ciphertext opens for nobody.
	assert_eq!(eve.open(&sealed).err(), Some(Error::NotOurs));
	let mut tampered = sealed.clone();
	tampered[50] ^= 1;
	assert_eq!(receiver.open(&tampered).err(), Some(Error::NotOurs));
	assert_eq!(receiver.open(&sealed).unwrap().value, 2_500);
	// Accepting proves knowledge of the opening for Bob's account, version and the id.
	let proof = receiver.accept(7, 2, &amount.0, &sealed).unwrap();
	let id = 7u64.encode();
	assert_eq!(
		verify_knowledge(&statement(Operation::Accept, &bob, 2, 0, &id), &amount, &proof),
		Ok(())
	);
	assert_eq!(Commitment(receiver.commitment().unwrap()), bob_before.add(&amount).unwrap());
	assert_eq!(receiver.value, 2_500);
	// A sealed opening that does not open the commitment it came with is refused.
	let other = sender.transfer(&bob, &receiver.public_key().unwrap(), 100, 5, 0).unwrap();
	assert_eq!(receiver.accept(8, 3, &amount.0, &bytes(&other.sealed)), Err(Error::NotOurs));
	// Beyond what is hidden above the floor: no transfer.
	assert_eq!(
		sender.transfer(&bob, &receiver.public_key().unwrap(), 7_401, 6, 0).map(|_| ()),
		Err(Error::Insufficient)
	);
}

#[test]
fn a_returned_transfer_is_hidden_again_in_the_senders_wallet() {
	let (alice, bob) = (account(1), account(2));
	let (mut sender, _) = Wallet::new(&alice, &GENESIS);
	let (receiver, _) = Wallet::new(&bob, &GENESIS);
	sender.shield(1_000).unwrap();
	let before = sender.commitment().unwrap();
	let call = sender.transfer(&bob, &receiver.public_key().unwrap(), 400, 0, 0).unwrap();
	assert_eq!(sender.value, 600);
	sender.returned(&arr(&call.amount)).unwrap();
	assert_eq!((sender.value, sender.commitment().unwrap()), (1_000, before));
	assert!(sender.outgoing.is_empty());
	assert_eq!(sender.returned(&arr(&call.amount)), Err(Error::NotOurs));
	sender.seized(250).unwrap();
	assert_eq!(sender.value, 750);
}
