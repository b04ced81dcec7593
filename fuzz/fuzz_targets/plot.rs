//! Any bytes read as a CSV or .npy series and drawn, as `aquifer plot` draws it: an error or a
//! picture, never a panic or a hang (extreme values, one row, many columns).
#![no_main]

use aquifer_cli::plot::{picture, Line, Panel, Stroke, PALETTE};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    for npy in [false, true] {
        let Ok((names, m)) = aquifer_cli::table::from_bytes(data, npy) else {
            continue;
        };
        let lines = (0..m.ncols().min(12))
            .map(|j| Line {
                label: names[j].clone(),
                start: 0,
                values: (0..m.nrows().min(2000)).map(|i| m[(i, j)]).collect(),
                color: PALETTE[j % PALETTE.len()],
                stroke: if j % 2 == 0 { Stroke::Solid } else { Stroke::Dashed },
            })
            .collect();
        let panel = Panel {
            title: "fuzz".into(),
            x_label: "step".into(),
            y_label: names.join(", "),
            lines,
        };
        let _ = picture(Path::new("fuzz.svg"), &[panel], 300, 200);
    }
});
