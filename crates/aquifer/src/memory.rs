//! What a size will take, checked before anything is allocated.
//!
//! A reservoir of a hundred million units, a dataset of 10^13 steps or a fit of 50,000 features
//! would abort the process when its memory is asked for. Constructors estimate their dominant
//! allocations first ([`ReservoirParams::memory`](crate::nodes::ReservoirParams::memory),
//! [`EsnBuilder::memory`](crate::model::EsnBuilder::memory), the dataset generators) and refuse,
//! with [`Error::TooLarge`], a size that this machine could never hold: more than its memory and
//! swap together. A program that wants a tighter bound (the command line refuses what does not
//! fit in the memory available now, and asks before taking more than a few gigabytes) compares
//! the same estimates with [`available`].
//!
//! ```
//! use aquifer::prelude::*;
//! let huge = Reservoir::builder().units(100_000_000).build(1);
//! assert!(matches!(huge, Err(aquifer::Error::TooLarge { .. })));
//! assert!(aquifer::memory::human(3 << 30).starts_with("3.2 GB"));
//! ```

use crate::error::{Error, Result};

/// Bytes of one `f64`.
pub(crate) const F64: u128 = 8;

/// The memory of this machine and its swap, in bytes (Linux; `None` where unknown).
pub fn total() -> Option<u64> {
    let info = meminfo()?;
    Some(field(&info, "MemTotal")? + field(&info, "SwapTotal").unwrap_or(0))
}

/// The memory available to a new allocation now, without swapping, in bytes (Linux; `None`
/// where unknown).
pub fn available() -> Option<u64> {
    field(&meminfo()?, "MemAvailable")
}

fn meminfo() -> Option<String> {
    std::fs::read_to_string("/proc/meminfo").ok()
}

/// A `Name:   123 kB` line of `/proc/meminfo`, in bytes.
fn field(info: &str, name: &str) -> Option<u64> {
    let line = info.lines().find(|l| l.split(':').next() == Some(name))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

pub use crate::size::human;

/// Refuses `what` if its estimated `bytes` exceed what this machine could ever hold (memory
/// and swap), or the address space where the machine's memory is unknown.
pub(crate) fn check(what: impl FnOnce() -> String, bytes: u128) -> Result<()> {
    let limit = total().unwrap_or(isize::MAX as u64);
    if bytes > u128::from(limit) {
        return Err(Error::TooLarge {
            what: what(),
            bytes,
            limit,
        });
    }
    Ok(())
}

/// `a * b * c` values of `f64`, in bytes, without overflow.
pub(crate) fn values(a: usize, b: usize, c: usize) -> u128 {
    (a as u128)
        .saturating_mul(b as u128)
        .saturating_mul(c as u128)
        .saturating_mul(F64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_print() {
        let info = "MemTotal:       24000000 kB\nSwapTotal:  0 kB\nMemAvailable:   1000 kB\n";
        assert_eq!(field(info, "MemTotal"), Some(24_576_000_000));
        assert_eq!(field(info, "MemAvailable"), Some(1_024_000));
        assert_eq!(field(info, "Missing"), None);
        assert_eq!(human(812), "812 B");
        assert_eq!(human(3_400_000), "3.4 MB");
        assert_eq!(human(u128::MAX).split(' ').nth(1), Some("EB"));
        assert!(check(|| "small".into(), 1000).is_ok());
        let e = check(
            || "a reservoir of 10^8 units".into(),
            values(1 << 30, 1 << 30, 1),
        );
        let text = e.unwrap_err().to_string();
        assert!(
            text.starts_with("a reservoir of 10^8 units would need about 9.2 EB"),
            "{text}"
        );
    }
}
