//! Run-time CPU-feature dispatch, written once: [`dispatch!`] defines a function that runs a
//! generic (`#[inline(always)]`) body compiled for the best instruction set the CPU has among
//! those listed, else as plain code. The kernels' results do not depend on the path taken: they
//! use no fused multiply-add and accumulate in a fixed order.

/// `dispatch!(fn name(args) -> ret = body for ["avx2" if "avx2"]);` defines `name`, which calls
/// `body(args)` compiled with each listed target feature set (tried in order, each when
/// `is_x86_feature_detected!` finds the second string), or plainly on other CPUs.
macro_rules! dispatch {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)?
            = $body:ident for [$($feat:tt if $detect:tt),+ $(,)?]
    ) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                dispatch!(@try ($($arg: $ty),*) ($($arg),*) [$(-> $ret)?] $body; $($feat if $detect),+);
            }
            $body($($arg),*)
        }
    };
    // One `if` per feature set, in order: the first the CPU has runs the body compiled for it.
    (@try $params:tt $args:tt [$($ret:tt)*] $body:ident; $feat:tt if $detect:tt $(, $more:tt if $more_detect:tt)*) => {
        if std::arch::is_x86_feature_detected!($detect) {
            #[target_feature(enable = $feat)]
            #[allow(clippy::too_many_arguments)]
            unsafe fn specialised $params $($ret)* {
                $body $args
            }
            // SAFETY: the CPU has the features `specialised` is compiled for, checked above.
            return unsafe { specialised $args };
        }
        dispatch!(@try $params $args [$($ret)*] $body; $($more if $more_detect),*);
    };
    (@try $params:tt $args:tt [$($ret:tt)*] $body:ident;) => {};
}
