//! Any bytes given to the model loader: an error or a model, never a panic or an abort.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = aquifer::io::ModelFile::from_bytes(data) {
        if let Ok(mut esn) = aquifer::model::Esn::from_model_file(&file) {
            // A loaded model must also run.
            let u = aquifer::faer::Mat::<f64>::zeros(3, esn.input_dim());
            let _ = esn.run(&u);
        }
        if let Ok(mut model) = aquifer::model::Model::from_model_file(&file) {
            let u = aquifer::faer::Mat::<f64>::zeros(3, model.input_dim());
            let _ = model.run(&u);
        }
    }
});
