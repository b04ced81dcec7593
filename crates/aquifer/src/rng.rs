//! Seeding: every random object in Aquifer is derived from an explicit `u64` seed.
//!
//! The generator is [`ChaCha8Rng`], a portable counter-based generator whose output depends only
//! on the seed (not on the platform or the thread). Independent streams for series, trials or
//! sub-objects are derived from `(seed, index)` with [`stream`], never from thread identity, so
//! results do not depend on how work is split across cores.

use rand::SeedableRng;
pub use rand_chacha::ChaCha8Rng;

/// The generator for `seed`.
///
/// ```
/// use rand::RngExt;
/// let a: f64 = aquifer::rng::from_seed(7).random();
/// let b: f64 = aquifer::rng::from_seed(7).random();
/// assert_eq!(a, b);
/// ```
pub fn from_seed(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// The `index`-th independent stream of `seed` (ChaCha's stream selector, so the streams never
/// overlap).
pub fn stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// Derives the seed of a named sub-object (e.g. the input matrix of a reservoir) from a parent
/// seed, so that one user seed fixes every matrix of a model while the matrices stay independent.
pub fn derive(seed: u64, component: u64) -> u64 {
    // SplitMix64 finaliser over the pair: cheap, well mixed and stable across versions.
    let mut z = seed
        .wrapping_add(component.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
