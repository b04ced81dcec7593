//! Any bytes read as a CSV or .npy series: an error or a table, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = aquifer_cli::table::from_bytes(data, false);
    let _ = aquifer_cli::table::from_bytes(data, true);
});
