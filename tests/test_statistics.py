"""The hand-written statistics agree with the reference implementations (used in tests only).

frames computes average precision, Cohen's kappa and Krippendorff's alpha itself, so that scoring
and `frames labels agreement` need neither scikit-learn nor another package at run time.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frames.labels.agreement import cohen_kappa, krippendorff_alpha
from frames.training.evaluation import average_precision

krippendorff = pytest.importorskip("krippendorff", reason="pip install '.[test]' brings the krippendorff package")
metrics = pytest.importorskip("sklearn.metrics")

labels = st.lists(st.booleans(), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(truth=labels, data=st.data(), tied=st.booleans())
def test_average_precision_is_scikit_learns(truth, data, tied):
    """With distinct scores and with many ties (which must not depend on the order of the rows)."""
    truth = np.array(truth)
    values = st.sampled_from([0.0, 0.25, 0.5, 1.0]) if tied else st.floats(0, 1, allow_nan=False)
    scores = np.array(data.draw(st.lists(values, min_size=len(truth), max_size=len(truth))))
    if not truth.any():
        assert average_precision(truth, scores) == 0.0
        return
    expected = metrics.average_precision_score(truth, scores)
    assert average_precision(truth, scores) == pytest.approx(expected, abs=1e-12)
    order = np.random.default_rng(0).permutation(len(truth))
    assert average_precision(truth[order], scores[order]) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60))
def test_cohen_kappa_is_scikit_learns(pairs):
    a, b = (np.array(side) for side in zip(*pairs))
    ours = cohen_kappa(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns, then returns nan, when kappa is undefined
        expected = metrics.cohen_kappa_score(a, b)
    if ours is None:
        assert np.isnan(expected)
    else:
        assert ours == pytest.approx(expected, abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(units=st.lists(st.lists(st.integers(0, 2), min_size=1, max_size=5), min_size=1, max_size=30))
def test_krippendorff_alpha_is_the_krippendorff_packages(units):
    """Units judged by one to five annotators, two or three values (missing judgements as nan there)."""
    ours = krippendorff_alpha(units)
    width = max(len(u) for u in units)
    data = np.full((width, len(units)), np.nan)
    for j, unit in enumerate(units):
        data[:len(unit), j] = unit
    pairable = [u for u in units if len(u) >= 2]
    if ours is None:
        assert not pairable or len({v for u in pairable for v in u}) < 2
        return
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours == pytest.approx(expected, abs=1e-9)


def test_alpha_on_the_worked_example_of_krippendorffs_paper():
    """Krippendorff (2011), 'Computing Krippendorff's alpha-reliability', nominal data: alpha = 0.743."""
    observers = np.array([
        [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
        [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
    ])
    units = [[int(v) for v in column if not np.isnan(v)] for column in observers.T]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(units) == pytest.approx(
        krippendorff.alpha(reliability_data=observers, level_of_measurement="nominal"), abs=1e-12)
