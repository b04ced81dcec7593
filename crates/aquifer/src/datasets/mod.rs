//! Datasets: chaotic and benchmark systems (generated), real series (shipped), and helpers to
//! make forecasting pairs and train/test splits.
//!
//! Every generator returns a `T x D` series ([`faer::Mat`]); those that draw random numbers take
//! a seed in their parameters. Defaults follow ReservoirPy's where it has the system, and each
//! function documents where Aquifer differs.

mod chaos;
mod kuramoto;
pub mod lyapunov;
mod narma;
mod real;
mod split;

pub use chaos::{
    double_scroll, henon_map, logistic_map, lorenz, lorenz96, mackey_glass, mso, multiscroll,
    rabinovich_fabrikant, rossler, DoubleScroll, Henon, Logistic, Lorenz, Lorenz96, MackeyGlass,
    MgScheme, Multiscroll, RabinovichFabrikant, Rossler, MSO_FREQUENCIES,
};
pub use kuramoto::{kuramoto_sivashinsky, KuramotoSivashinsky};
pub use narma::{narma, Narma};
pub use real::{
    digits, japanese_vowels, mnist1d, santafe_laser, sunspots_monthly, sunspots_yearly, Digits,
    JapaneseVowels, Mnist1d, JAPANESE_VOWELS_CLASSES,
};
pub use split::{forecasting, split, split_series, Pair};
