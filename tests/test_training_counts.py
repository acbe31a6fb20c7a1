"""Cross-validation counts each sentence's n-grams once: every fold's tf-idf matrices are still
scikit-learn's TfidfVectorizer's, entry for entry (the order of entries in a row included, since the
sums of the l2 norm and of liblinear follow it)."""

from __future__ import annotations

import numpy as np
import pytest

from frames.training.fit import FEATURE_SETS, _vectorizer, count_texts

from conftest import TINY

TEXTS = [text for rows in TINY.values() for text, _ in rows] + [
    "",  # no n-grams at all
    "Trade, trade and TRADE again: the same word three times.",
    "Zoë's café in Астана sells ½ price tea.",  # non-ASCII terms sort as Python sorts them
]


def same_matrix(a, b) -> bool:
    """Equal shape, row pointers, column indexes, values and their order, bit for bit."""
    return (a.shape == b.shape and a.indptr.tolist() == b.indptr.tolist() and a.indices.tolist() == b.indices.tolist()
            and a.data.tobytes() == b.data.tobytes())


@pytest.mark.parametrize("spec", [spec for specs in FEATURE_SETS.values() for spec in specs], ids=str)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fold_matrices_are_tfidfvectorizers(spec, seed):
    order = np.random.default_rng(seed).permutation(len(TEXTS))
    train, test, extra = order[:18], np.sort(order[18:23]), order[23:]
    counted = count_texts(TEXTS, spec)
    X_train, X_test, X_extra, nothing = counted.fit_transform(train, others=(test, extra, None))
    vectorizer = _vectorizer(spec)
    assert same_matrix(X_train, vectorizer.fit_transform([TEXTS[i] for i in train]))
    assert same_matrix(X_test, vectorizer.transform([TEXTS[i] for i in test]))
    assert same_matrix(X_extra, vectorizer.transform([TEXTS[i] for i in extra]))
    assert nothing is None
    assert X_train.shape[1] < len(counted.terms)  # min_df left terms out, which the other texts still hold


@pytest.mark.parametrize("seed", [0, 1])
def test_the_final_fit_from_counts_is_fit_sklearns(seed):
    """fit_counted (the final fit, from the n-grams cross-validation counted) gives fit_sklearn's
    vocabularies, idf, coefficients and intercepts, bit for bit, and vectorizers that transform as its do."""
    from frames.training.fit import count_feature_sets, export_fit, fit_counted, fit_sklearn

    rng = np.random.default_rng(seed)
    rows = np.sort(rng.permutation(len(TEXTS))[:20])
    truth = np.column_stack([[("trade" in TEXTS[i].lower()) for i in rows], [i % 3 == 0 for i in rows]])
    for name, counted in count_feature_sets(TEXTS).items():
        texts = [TEXTS[i] for i in rows]
        ours, theirs = fit_counted(counted, rows, truth, 4.0), fit_sklearn(texts, truth, FEATURE_SETS[name], 4.0)
        (blocks, coef, intercept), (blocks2, coef2, intercept2) = export_fit(ours), export_fit(theirs)
        assert [vocabulary for vocabulary, _ in blocks] == [vocabulary for vocabulary, _ in blocks2]
        assert all(a.tobytes() == b.tobytes() for (_, a), (_, b) in zip(blocks, blocks2))
        assert coef.tobytes() == coef2.tobytes() and intercept.tobytes() == intercept2.tobytes()
        for ours_v, theirs_v in zip(ours[0], theirs[0]):
            assert same_matrix(ours_v.transform(TEXTS), theirs_v.transform(TEXTS))
