//! Any text given to the configuration parser, then to the network builder of every kind
//! (small networks only, imports disabled; the plastic kinds learn from a short series): an
//! error or a network, never a panic.
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
        let x = aquifer::faer::Mat::from_fn(30, 2, |t, j| ((t + j) as f64 * 0.3).sin());
        let _ = cfg.network("/nonexistent".as_ref(), &[x], 1);
    }
});
