//! One module per subcommand.

pub mod bench;
pub mod dataset;
pub mod demo;
pub mod features;
pub mod fit;
pub mod generate;
pub mod info;
pub mod plot;
pub mod predict;
pub mod report;
pub mod score;
pub mod search;
pub mod shard;
