"""Property tests: any text through classify gives scores in [0, 1] or a clear ArticleError, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from frames import ArticleError, decode_article, load_model
from frames.cli import app

MODEL = load_model()


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_unicode_text_scores_in_unit_interval(text):
    try:
        result = MODEL.classify(text, check_language=False)  # scores any script: the property is about scores
    except ArticleError as error:
        assert "no sentences" in str(error)
        return
    scores = np.array([s.scores for s in result.sentences])
    assert scores.shape == (len(result.sentences), len(MODEL.frames))
    assert ((scores >= 0) & (scores <= 1)).all()
    for profile in result.frames:
        assert 0 <= profile.score <= 1 and 0 <= profile.share <= 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_decode_or_fail_cleanly(data):
    try:
        article = decode_article(data, "x.txt")
    except ArticleError as error:
        assert str(error).startswith("x.txt: ") and "\n" not in str(error)
        return
    assert article.text.strip()


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(st.text(max_size=500))
def test_cli_never_shows_a_traceback(text):
    result = CliRunner().invoke(app, ["classify", "-", "--json"], input=text.encode("utf-8"))
    assert result.exit_code in (0, 1)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 1:
        assert result.stderr.startswith("error: <stdin>: ")
