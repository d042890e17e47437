//! Throughput of the matching core on a realistic order stream: ~70% passive limit orders
//! near the touch, ~20% cancels of live orders, ~10% marketable IOC orders that take one or a
//! few levels. Reported as orders (stream operations) per second.
//!
//! `cargo bench -p clearinghouse-matching`

use clearinghouse_matching::{
	MatchLimits, MemoryBook, NewOrder, OrderId, SelfTradePrevention, Side, TimeInForce,
};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};

/// A deterministic generator, so every run measures the same stream.
struct Lcg(u64);
impl Lcg {
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
		self.0 >> 33
	}
	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}
}

#[derive(Clone)]
enum Op {
	Place(NewOrder<u32>),
	Cancel(OrderId),
}

const MID: u64 = 100_000;
const STREAM: usize = 200_000;

/// The stream, and a book pre-filled with 5,000 resting orders around the mid.
fn stream() -> (MemoryBook<u32>, Vec<Op>) {
	let mut rng = Lcg(42);
	let mut book = MemoryBook::default();
	let mut next_id: OrderId = 1;
	let mut live: Vec<OrderId> = Vec::new();
	let limits = MatchLimits { now: 0, max_makers: 64 };
	let passive = |rng: &mut Lcg, id: OrderId| {
		let side = if rng.below(2) == 0 { Side::Buy } else { Side::Sell };
		let offset = 1 + rng.below(50);
		let price = match side {
			Side::Buy => MID - offset,
			Side::Sell => MID + offset,
		};
		NewOrder {
			id,
			owner: rng.below(1_000) as u32,
			side,
			price,
			qty: 1 + rng.below(20),
			time_in_force: TimeInForce::Gtc,
			self_trade: SelfTradePrevention::CancelResting,
			reduce_only: false,
		}
	};
	for _ in 0..5_000 {
		let o = passive(&mut rng, next_id);
		live.push(next_id);
		next_id += 1;
		book.place(o, limits).expect("valid");
	}
	let mut ops = Vec::with_capacity(STREAM);
	for _ in 0..STREAM {
		let roll = rng.below(100);
		if roll < 70 {
			let o = passive(&mut rng, next_id);
			live.push(next_id);
			next_id += 1;
			ops.push(Op::Place(o));
		} else if roll < 90 && !live.is_empty() {
			let i = rng.below(live.len() as u64) as usize;
			ops.push(Op::Cancel(live.swap_remove(i)));
		} else {
			let side = if rng.below(2) == 0 { Side::Buy } else { Side::Sell };
			let through = 1 + rng.below(3);
			let price = match side {
				Side::Buy => MID + through,
				Side::Sell => MID - through,
			};
			ops.push(Op::Place(NewOrder {
				id: next_id,
				owner: rng.below(1_000) as u32,
				side,
				price,
				qty: 1 + rng.below(40),
				time_in_force: TimeInForce::Ioc,
				self_trade: SelfTradePrevention::CancelResting,
				reduce_only: false,
			}));
			next_id += 1;
		}
	}
	(book, ops)
}

fn run(book: &mut MemoryBook<u32>, ops: &[Op]) -> u64 {
	let limits = MatchLimits { now: 0, max_makers: 64 };
	let mut fills = 0u64;
	for op in ops {
		match op {
			Op::Place(o) => {
				if let Ok(out) = book.place(o.clone(), limits) {
					fills += out.fills.len() as u64;
				}
			},
			Op::Cancel(id) => {
				black_box(book.cancel(*id));
			},
		}
	}
	fills
}

fn matching(c: &mut Criterion) {
	let (book, ops) = stream();
	let mut group = c.benchmark_group("matching");
	group.throughput(Throughput::Elements(ops.len() as u64));
	group.sample_size(20);
	group.bench_function("realistic_stream_70_limit_20_cancel_10_marketable", |b| {
		b.iter_batched(|| book.clone(), |mut book| run(&mut book, &ops), BatchSize::LargeInput)
	});
	group.finish();
}

criterion_group!(benches, matching);
criterion_main!(benches);
