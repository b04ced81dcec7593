//! Activation functions of reservoir units.
//!
//! `tanh` is the default and the hot one: it is applied to every unit at every step. It has its
//! own implementation, [`tanh`], that the compiler vectorises (no branches, no calls), accurate to
//! a few ulp of the standard library's `f64::tanh` (checked over millions of points in the tests).
//! The others use the standard library.

use serde::{Deserialize, Serialize};

/// Activation function `f` of a reservoir's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// Hyperbolic tangent (the default).
    #[default]
    Tanh,
    /// Logistic sigmoid `1 / (1 + exp(-x))`.
    Sigmoid,
    /// Rectified linear unit `max(x, 0)`.
    Relu,
    /// Softplus `ln(1 + exp(x))`.
    Softplus,
    /// Identity (a linear reservoir).
    Identity,
}

impl Activation {
    /// `f(x)` for one value. Equal, bit for bit, to what [`Activation::apply_in_place`] gives.
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Activation::Tanh => tanh(x),
            Activation::Sigmoid => sigmoid(x),
            Activation::Relu => x.max(0.0),
            Activation::Softplus => softplus(x),
            Activation::Identity => x,
        }
    }

    /// Applies `f` to every value of `x`.
    pub fn apply_in_place(self, x: &mut [f64]) {
        match self {
            Activation::Tanh => tanh_in_place(x),
            Activation::Sigmoid => x.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Activation::Relu => x.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Softplus => x.iter_mut().for_each(|v| *v = softplus(*v)),
            Activation::Identity => {}
        }
    }

    /// The name used in configuration files.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
            Activation::Relu => "relu",
            Activation::Softplus => "softplus",
            Activation::Identity => "identity",
        }
    }
}

impl std::str::FromStr for Activation {
    type Err = crate::error::Error;
    fn from_str(s: &str) -> crate::error::Result<Self> {
        match s {
            "tanh" => Ok(Activation::Tanh),
            "sigmoid" => Ok(Activation::Sigmoid),
            "relu" => Ok(Activation::Relu),
            "softplus" => Ok(Activation::Softplus),
            "identity" | "linear" => Ok(Activation::Identity),
            _ => Err(crate::error::Error::invalid(
                "activation",
                s,
                "expected one of tanh, sigmoid, relu, softplus, identity",
            )),
        }
    }
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

// Rational approximations of Moshier's Cephes library (tanh on |x| < 0.625; exp on
// |r| <= ln2 / 2 after reduction), evaluated without branches so that loops vectorise.
const TANH_P: [f64; 3] = [
    -9.643_991_794_250_523e-1,
    -9.928_772_310_019_186e1,
    -1.614_687_684_417_084_5e3,
];
const TANH_Q: [f64; 3] = [
    1.128_116_784_916_329_3e2,
    2.235_488_390_601_004_6e3,
    4.844_063_053_251_255e3,
];
const EXP_P: [f64; 3] = [
    1.261_771_930_748_105_9e-4,
    3.029_944_077_074_419_6e-2,
    9.999_999_999_999_999e-1,
];
const EXP_Q: [f64; 4] = [
    3.001_985_051_386_644_5e-6,
    2.524_483_403_496_841e-3,
    2.272_655_482_081_550_3e-1,
    2.0,
];
const LN2_HI: f64 = 6.931_457_519_531_25e-1;
const LN2_LO: f64 = 1.428_606_820_309_417_3e-6;
/// 1.5 * 2^52: adding it rounds to an integer that can be read back from the low mantissa bits.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// Hyperbolic tangent, within a few ulp of `f64::tanh`, without branches (vectorisable) and
/// with a single division.
///
/// For `|x| < 0.625`: `x + x^3 P(x^2) / Q(x^2)` (Cephes). Otherwise `1 - 2 / (exp(2|x|) + 1)`,
/// with `exp(2|x|) = 2^k (q + p) / (q - p)` from Cephes' rational `exp` after the reduction
/// `2|x| = k ln 2 + r`, so that `2 / (exp + 1) = 2 (q - p) / (2^k (q + p) + (q - p))`. Both
/// branches are evaluated and the numerator and denominator selected before the one division.
///
/// ```
/// let x = 0.3_f64;
/// assert!((aquifer::activation::tanh(x) - x.tanh()).abs() <= 2.0 * f64::EPSILON * x.tanh());
/// ```
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    // tanh(22) rounds to 1 in f64; the clamp keeps the exponent in range (and maps NaN to 22,
    // restored by the final select).
    let a = x.abs().min(22.0);
    // small branch: a + a^3 num / den
    let a2 = a * a;
    let num = (TANH_P[0] * a2 + TANH_P[1]) * a2 + TANH_P[2];
    let den = ((a2 + TANH_Q[0]) * a2 + TANH_Q[1]) * a2 + TANH_Q[2];
    // large branch: exp(2a) = 2^k (q + p) / (q - p)
    let z = 2.0 * a;
    let t = z * std::f64::consts::LOG2_E + ROUND_MAGIC;
    let k = t - ROUND_MAGIC;
    let r = (z - k * LN2_HI) - k * LN2_LO;
    let rr = r * r;
    let p = r * ((EXP_P[0] * rr + EXP_P[1]) * rr + EXP_P[2]);
    let q = ((EXP_Q[0] * rr + EXP_Q[1]) * rr + EXP_Q[2]) * rr + EXP_Q[3];
    let kbits = t.to_bits().wrapping_sub(ROUND_MAGIC.to_bits());
    let two_k = f64::from_bits(kbits.wrapping_add(1023) << 52);
    let small = a < 0.625;
    let (base, gain) = if small { (a, a * a2) } else { (1.0, -2.0) };
    let n = if small { num } else { q - p };
    let d = if small {
        den
    } else {
        two_k * (q + p) + (q - p)
    };
    let y = (base + gain * (n / d)).copysign(x);
    if x.is_nan() {
        x
    } else {
        y
    }
}

#[inline(always)]
fn tanh_loop(x: &mut [f64]) {
    for v in x.iter_mut() {
        *v = tanh(*v);
    }
}

dispatch!(
    /// Applies [`tanh`] to every value, using 512- or 256-bit vectors where the CPU has them.
    /// The result is the same bit for bit on every path (no fused multiply-add is used).
    pub fn tanh_in_place(x: &mut [f64]) = tanh_loop for [
        "avx512f,avx512dq" if "avx512dq",
        "avx2" if "avx2",
    ]
);

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn ulp_distance(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        let to_ordered = |v: f64| {
            let bits = v.to_bits() as i64;
            if bits < 0 {
                i64::MIN - bits
            } else {
                bits
            }
        };
        to_ordered(a).abs_diff(to_ordered(b))
    }

    #[test]
    fn tanh_is_within_a_few_ulp_of_std() {
        let mut rng = crate::rng::from_seed(1);
        let mut xs: Vec<f64> = (0..2_000_000)
            .map(|i| {
                let scale = [1e-8, 1e-3, 0.1, 0.7, 2.0, 5.0, 30.0][i % 7];
                (rng.random::<f64>() * 2.0 - 1.0) * scale
            })
            .collect();
        xs.extend([
            0.0,
            -0.0,
            0.625,
            -0.625,
            22.0,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
        ]);
        let mut ys = xs.clone();
        tanh_in_place(&mut ys);
        let worst = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| ulp_distance(x.tanh(), *y))
            .max()
            .unwrap();
        assert!(worst <= 4, "worst ulp distance {worst}");
        // the scalar function and the vector loop agree bit for bit
        for (x, y) in xs.iter().zip(&ys).step_by(997) {
            assert_eq!(tanh(*x).to_bits(), y.to_bits());
        }
    }

    #[test]
    fn tanh_special_values() {
        assert!(tanh(f64::NAN).is_nan());
        assert_eq!(tanh(f64::INFINITY), 1.0);
        assert_eq!(tanh(f64::NEG_INFINITY), -1.0);
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn other_activations() {
        assert!((Activation::Sigmoid.apply(0.0) - 0.5).abs() < 1e-15);
        assert!((Activation::Sigmoid.apply(-800.0)).abs() < 1e-300);
        assert_eq!(Activation::Relu.apply(-2.0), 0.0);
        assert!((Activation::Softplus.apply(0.0) - 2f64.ln()).abs() < 1e-15);
        assert!((Activation::Softplus.apply(800.0) - 800.0).abs() < 1e-12);
        assert_eq!(Activation::Identity.apply(-3.5), -3.5);
        assert!("gelu".parse::<Activation>().is_err());
        assert_eq!("tanh".parse::<Activation>().unwrap(), Activation::Tanh);
    }
}
