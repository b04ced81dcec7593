//! Persistence formats. `io` knows formats, not models: each model describes itself as a
//! [`ModelFile`] (kind, JSON configuration, named tensors) and rebuilds itself from one. Series
//! are read and written as CSV or `.npy` ([`read_table`], [`write_table`]).

mod atomic;
mod model_file;
mod table;

pub use atomic::{write_all_atomic, write_atomic};
pub use model_file::{read, write, ModelFile, Tensor, FORMAT, FORMAT_VERSION, MAX_FILE_SIZE};
pub use table::{
    parse_table, parse_table_with, read_table, read_table_with, table_bytes, write_table, Header,
    Table, TableFormat, TableWriter,
};
