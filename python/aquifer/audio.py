"""Sound: WAV files, seeded noise at a signal-to-noise ratio, and MFCCs computed as
``librosa.feature.mfcc`` computes them (32 ms frames every 10 ms at 8 kHz by default, 40 Slaney
mel bands, 13 coefficients).

>>> import numpy as np, aquifer
>>> tone = np.sin(2 * np.pi * 440 * np.arange(4000) / 8000)
>>> aquifer.audio.mfcc(tone, 8000).shape
(51, 13)
"""

from __future__ import annotations

import os
from typing import Any, Optional, Tuple, Union

import numpy as np

from . import _aquifer, _params
from ._series import Array


def read_wav(path: Union[str, "os.PathLike[str]"]) -> Tuple[Array, int]:
    """The mono samples in [-1, 1] (channels averaged) and the sample rate of a WAV file."""
    samples, rate = _aquifer.read_wav(os.fspath(path))
    return samples, int(rate)


def _samples(x: Any) -> Array:
    a = np.ascontiguousarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"samples: expected a 1-D array, got shape {a.shape}")
    return a


def mfcc(
    samples: Any,
    sample_rate: int,
    n_fft: int = 256,
    hop: int = 80,
    n_mels: int = 40,
    n_mfcc: int = 13,
    fmin: float = 0.0,
    fmax: Optional[float] = None,
    top_db: Optional[float] = 80.0,
) -> Array:
    """MFCCs ``(frames, n_mfcc)``: centred frames of ``n_fft`` samples every ``hop``, periodic
    Hann window, power spectrum, ``n_mels`` Slaney mel filters, decibels floored ``top_db``
    below the loudest value, orthonormal DCT-II."""
    params = {
        "n_fft": int(n_fft), "hop": int(hop), "n_mels": int(n_mels), "n_mfcc": int(n_mfcc),
        "fmin": float(fmin), "fmax": None if fmax is None else float(fmax),
        "top_db": None if top_db is None else float(top_db),
    }
    return _aquifer.mfcc(_samples(samples), int(sample_rate), _params.dumps(params))


def add_noise(samples: Any, snr_db: float, seed: int = 0) -> Array:
    """``samples`` plus seeded white Gaussian noise at ``snr_db`` dB below their mean power."""
    return _aquifer.add_noise(_samples(samples), float(snr_db), int(seed))
