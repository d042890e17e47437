//! Builds the runtime's wasm blob (`WASM_BINARY`) when the `std` feature is on.
//! `SKIP_WASM_BUILD=1` skips it for native-only test builds.

#[cfg(feature = "std")]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

#[cfg(not(feature = "std"))]
fn main() {}
