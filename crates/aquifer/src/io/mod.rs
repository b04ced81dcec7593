//! Persistence formats. `io` knows formats, not models: each model describes itself as a
//! [`ModelFile`] (kind, JSON configuration, named tensors) and rebuilds itself from one.

mod model_file;

pub use model_file::{
    read, write, write_atomic, ModelFile, Tensor, FORMAT, FORMAT_VERSION, MAX_FILE_SIZE,
};
