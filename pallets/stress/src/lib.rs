//! # Stress replay
//!
//! Replays crash days through the real runtime: the runtime's genesis and pallets in
//! `TestExternalities`, one block per 6-second step of a price path, feeders pushing the path
//! into the oracle, a population of traders on the order book (market makers, leveraged
//! trend-followers and mean-reverters, a whale), a keeper calling `liquidate` and
//! `deleverage`, funding and the liquidation sweep in the pallets' own hooks, and every call
//! bounded by the block's real weight. After every block each pallet's `try_state` and the
//! cross-pallet invariants ([`invariants`]) are checked.
//!
//! * [`path`]: the feeder tool's CSV format, and the crash-day paths (published extremes, a
//!   seeded Brownian bridge between them at 6-second steps).
//! * [`world`]: the runtime, block by block.
//! * [`agents`]: who trades and keeps.
//! * [`sim`]: one replay and what it found.
//! * [`report`]: the Markdown report and its PNG plots (feature `plots`).
//! * [`fuzz`]: the runtime fuzz targets' bodies (`calls`, `ismp`, `xcm`), on the same harness.
//!
//! `scripts/stress` runs every scenario and writes `target/stress/REPORT.md`; a run that breaks
//! an invariant or leaves bad debt uncovered fails it.

pub mod agents;
pub mod fuzz;
pub mod invariants;
pub mod path;
#[cfg(feature = "plots")]
pub mod report;
pub mod sim;
pub mod world;
