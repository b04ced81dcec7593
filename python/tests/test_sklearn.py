"""The scikit-learn estimators: the library's own checks, and use in Pipeline / GridSearchCV."""

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import aquifer  # noqa: E402
from aquifer.sklearn import EXPECTED_FAILED_CHECKS, ESNClassifier, ESNRegressor  # noqa: E402


def _expected(estimator):
    return EXPECTED_FAILED_CHECKS[type(estimator).__name__]


@parametrize_with_checks(
    [ESNRegressor(units=50, random_state=0), ESNClassifier(units=50, random_state=0)],
    expected_failed_checks=_expected,
)
def test_estimator_checks(estimator, check):
    check(estimator)


def test_classifier_on_japanese_vowels_in_a_grid_search():
    xtr, ytr, xte, yte = aquifer.datasets.japanese_vowels(one_hot_encode=False)
    search = GridSearchCV(
        ESNClassifier(units=200, lr=0.1, sr=0.9, random_state=0),
        {"ridge": [1e-6, 1e-3], "decision": ["mean", "last"]},
        cv=3,
    )
    search.fit(xtr, ytr)
    assert set(search.best_params_) == {"ridge", "decision"}
    acc = search.score(xte, yte)
    assert acc > 0.95, acc


def test_regressor_in_a_pipeline_forecasts():
    x = aquifer.datasets.mackey_glass(2200)
    pipe = make_pipeline(
        StandardScaler(), ESNRegressor(units=300, lr=0.3, sr=1.25, ridge=1e-7, warmup=100, random_state=0)
    )
    pipe.fit(x[:2000], x[1:2001].ravel())
    pred = pipe.predict(x[2000:2199])
    assert pred.shape == (199,)
    assert aquifer.metrics.nrmse(x[2101:2200], pred[100:]) < 0.01
    # fitting twice gives the same model
    again = pipe.fit(x[:2000], x[1:2001].ravel()).predict(x[2000:2199])
    assert np.array_equal(pred, again)
