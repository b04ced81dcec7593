//! Any bytes given to the model loader: an error or a model, never a panic or an abort; what
//! loads also runs.
#![no_main]

use aquifer::traits::{Persist, Run};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = aquifer::io::ModelFile::from_bytes(data) {
        if let Ok(mut esn) = aquifer::model::Esn::from_part(&file) {
            let u = aquifer::faer::Mat::<f64>::zeros(3, esn.input_dim());
            let _ = esn.run(&u);
        }
        if let Ok(mut model) = aquifer::model::Model::from_part(&file) {
            let u = aquifer::faer::Mat::<f64>::zeros(3, model.input_dim());
            let _ = model.run(&u);
        }
        if let Ok(mut nvar) = aquifer::nodes::Nvar::from_part(&file) {
            let u = aquifer::faer::Mat::<f64>::zeros(3, nvar.input_dim());
            let _ = nvar.run(&u);
        }
    }
});
