//! The memory a command plans to take, checked before it allocates: a size that would need
//! more than the memory available now is refused, and so is one above `--max-memory` (4 GB
//! unless raised), each naming the option or key to change and the memory it would take.

use crate::error::{Error, Result};
use aquifer::memory::human;
use std::str::FromStr;
use std::sync::OnceLock;

/// The default of `--max-memory`, in bytes.
pub const DEFAULT_MAX: u64 = 4_000_000_000;

/// A size in bytes, written `4G`, `1.5GB`, `500M`, `64k` or a number of bytes (powers of 1000;
/// `GiB`, `MiB`, `KiB` are powers of 1024).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1.0,
            "k" | "kb" => 1e3,
            "m" | "mb" => 1e6,
            "g" | "gb" => 1e9,
            "t" | "tb" => 1e12,
            "kib" => 1024.0,
            "mib" => 1024f64.powi(2),
            "gib" => 1024f64.powi(3),
            "tib" => 1024f64.powi(4),
            _ => {
                return Err(format!(
                    "`{s}`: the unit must be one of B, k, M, G, T (or KiB..TiB)"
                ))
            }
        };
        let v: f64 = number
            .parse()
            .map_err(|_| format!("`{s}` is not a size (e.g. 8G, 500M)"))?;
        let bytes = v * scale;
        if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
            return Err(format!("`{s}` is not a size between 1 byte and 18 EB"));
        }
        Ok(Size(bytes as u64))
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&human(u128::from(self.0)))
    }
}

static MAX: OnceLock<u64> = OnceLock::new();

/// Sets the most memory a command may plan to take (from `--max-memory`; once per process).
pub fn set_max(size: Size) {
    let _ = MAX.set(size.0);
}

/// Refuses `what` (named by the option or key that sets it) if its estimated `bytes` exceed
/// the memory available now or the `--max-memory` bound.
pub fn check(what: &str, option: &str, bytes: u128) -> Result<()> {
    if let Some(available) = aquifer::memory::available() {
        if bytes > u128::from(available) {
            return Err(Error::usage(format!(
                "{what} ({option}) would need about {}, more than the {} of memory available",
                human(bytes),
                human(u128::from(available))
            )));
        }
    }
    let max = *MAX.get().unwrap_or(&DEFAULT_MAX);
    if bytes > u128::from(max) {
        // the bound to pass: the estimate rounded up to a whole gigabyte
        let raise = bytes.div_ceil(1_000_000_000);
        return Err(Error::usage(format!(
            "{what} ({option}) would need about {}, more than --max-memory {}; pass \
             --max-memory {raise}G to allow it",
            human(bytes),
            human(u128::from(max))
        )));
    }
    Ok(())
}

/// `a * b` values of `f64`, in bytes, without overflow.
pub fn values(a: usize, b: usize) -> u128 {
    (a as u128).saturating_mul(b as u128).saturating_mul(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_their_units() {
        for (text, bytes) in [
            ("4G", 4_000_000_000),
            ("1.5GB", 1_500_000_000),
            ("500m", 500_000_000),
            ("64k", 64_000),
            ("2GiB", 2 << 30),
            ("123", 123),
        ] {
            assert_eq!(text.parse::<Size>(), Ok(Size(bytes)), "{text}");
        }
        for bad in ["", "G", "-1G", "4X", "1e400", "0"] {
            assert!(bad.parse::<Size>().is_err(), "{bad}");
        }
        assert_eq!(Size(4_000_000_000).to_string(), "4.0 GB");
    }

    #[test]
    fn a_size_above_the_bound_names_its_option_and_the_bound_to_pass() {
        let e = check(
            "a reservoir of 50000 units",
            "--units",
            10_200_000_000_000_000,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("a reservoir of 50000 units (--units) would need about 10.2 PB"));
        assert!(check("small", "--units", 1000).is_ok());
    }
}
