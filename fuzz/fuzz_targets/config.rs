//! Any text given to the configuration parser, then to the network builder (small networks
//! only, imports disabled): an error or a network, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cfg) = aquifer_cli::config::parse(text, "fuzz.toml".as_ref()) else {
        return;
    };
    if cfg.is_small(200) {
        let _ = cfg.build("/nonexistent".as_ref(), 2, 1);
    }
});
