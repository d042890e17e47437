//! What a confidential account's proofs cost: verifying (the chain, natively here; the runtime
//! weight comes from the pallet's benchmarks) and proving (the trader's machine), for one and two
//! aggregated values, generators included as the chain computes them per verification.

use clearinghouse_zk::{prover::*, *};
use criterion::{criterion_group, criterion_main, Criterion};

fn statement() -> Statement<'static> {
	Statement {
		genesis: [7; 32],
		operation: Operation::Band,
		account: b"alice/0",
		version: 1,
		epoch: 1,
		public: b"band",
	}
}

fn bench(c: &mut Criterion) {
	let s = statement();
	for m in [1usize, 2] {
		let openings: Vec<Opening> = (0..m).map(|i| Opening::random(1_000 + i as u64)).collect();
		let (proof, commitments) = prove_range(&s, &openings).unwrap();
		c.bench_function(&format!("verify_range m={m}"), |b| {
			b.iter(|| verify_range(&s, &commitments, &proof).unwrap())
		});
		c.bench_function(&format!("prove_range m={m}"), |b| {
			b.iter(|| prove_range(&s, &openings).unwrap())
		});
	}
	// What a verification spends deriving its generators (hash-to-curve of 128 points per value).
	for m in [1usize, 2] {
		c.bench_function(&format!("generators m={m}"), |b| {
			b.iter(|| bulletproofs::BulletproofGens::new(RANGE_BITS, m))
		});
	}
	let o = Opening::random(0);
	let proof = prove_opening(&s, &o, &mut rand::rngs::OsRng);
	c.bench_function("verify_opening", |b| {
		b.iter(|| verify_opening(&s, &o.commitment(), 0, &proof).unwrap())
	});
	let proof = prove_knowledge(&s, &o, &mut rand::rngs::OsRng);
	c.bench_function("verify_knowledge", |b| {
		b.iter(|| verify_knowledge(&s, &o.commitment(), &proof).unwrap())
	});
}

criterion_group!(benches, bench);
criterion_main!(benches);
