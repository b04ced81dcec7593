"""The search from Python: samples reproducible, records resumable, failures recorded."""

import json
import math

import pytest

import aquifer
from aquifer.search import Study


def parabola(p, seed):
    return (p["x"] - 1.0) ** 2 + (0.0 if p["kind"] == "a" else 0.5)


SPACE = {"x": ("uniform", -5.0, 5.0), "kind": ("choice", ["a", "b"])}


def test_tpe_finds_the_minimum_and_samples_repeat():
    a = Study(SPACE, seed=3).optimize(parabola, 40)
    b = Study(SPACE, seed=3).optimize(parabola, 40)
    assert [t["params"] for t in a.trials] == [t["params"] for t in b.trials]
    best = a.best
    assert best["params"]["kind"] == "a" and abs(best["params"]["x"] - 1.0) < 0.5
    assert a.best_params == best["params"]


def test_records_resume_to_the_same_trials(tmp_path):
    path = tmp_path / "study.jsonl"
    Study(SPACE, seed=5, records=path).optimize(parabola, 8)
    resumed = Study.resume(path)
    assert len(resumed.trials) == 8
    resumed.optimize(parabola, 16)
    whole = Study(SPACE, seed=5).optimize(parabola, 16)
    assert [t["params"] for t in resumed.trials] == [t["params"] for t in whole.trials]
    lines = path.read_text().splitlines()
    assert len(lines) == 1 + 16 and json.loads(lines[0])["name"] == "study"


def test_failures_are_recorded_and_the_study_goes_on():
    def flaky(p, seed):
        if p["x"] > 0:
            raise RuntimeError("diverged")
        if p["x"] < -4:
            return math.nan
        return p["x"] ** 2

    s = Study({"x": ("uniform", -5.0, 5.0)}, sampler="random", seed=1).optimize(flaky, 30)
    failed = [t for t in s.trials if t["loss"] is None]
    assert failed and all("diverged" in t["error"] or "finite" in t["error"] for t in failed)
    assert s.best["loss"] is not None and len(s.trials) == 30


def test_instances_and_seeds():
    s = Study({"x": ("uniform", 0.0, 1.0)}, instances=3, sampler="random", seed=2)
    s.optimize(lambda p, seed: float(seed % 7), 4)
    for t in s.trials:
        assert len(t["seeds"]) == 3 and len(t["losses"]) == 3
        assert t["loss"] == pytest.approx(sum(t["losses"]) / 3)


def test_bad_spaces():
    with pytest.raises(ValueError, match="distribution"):
        Study({"x": ("cauchy", 0, 1)})
    with pytest.raises(aquifer.AquiferError):
        Study({"x": ("log_uniform", -1.0, 1.0)})
    with pytest.raises(TypeError):
        Study({"x": 3})
