"""An article's frame profile: per-frame article scores and the sentences that carry each frame."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress

import numpy as np

from frames.text.language import Language
from frames.text.fragments import is_fragment
from frames.text.sentences import Sentence
from frames.model.verdict import ArticleRule, decide, reason, statistics

# 3: the article's language, and "scored": false with null scores for text in a language the model
# does not read; 2: the article rule's verdict, with n_over and reason per frame
JSON_SCHEMA_VERSION = 3


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of the article with its offsets and its probability for every frame."""

    index: int
    text: str
    start: int
    end: int
    scores: tuple[float, ...]  # empty when the article was not scored
    frames: tuple[str, ...]  # the frames over their thresholds


@dataclass(frozen=True)
class FrameProfile:
    """One frame in one article.

    score: the highest sentence probability in the article, in [0, 1];
    present: the article verdict: whether the model's article rule says the article pushes the frame;
    share: the fraction of the article's sentences that carry it (over the sentence threshold);
    threshold: the sentence threshold;
    evidence: indexes of the top sentences that carry it, strongest first;
    n_over: how many sentences carry it;
    reason: what the article rule saw, in words.
    score, present, share and n_over are None when the article was not scored (see ArticleResult.unscored).
    """

    id: str
    name: str
    score: float | None
    present: bool | None
    share: float | None
    threshold: float
    evidence: tuple[int, ...]
    n_over: int | None = 0
    reason: str = ""


@dataclass(frozen=True)
class ArticleResult:
    """The frame profile of one article and every sentence's scores.

    language: the language the article appears to be in (None: not looked at);
    unscored: why the article was not scored (None: it was), e.g. its language is not the model's.
    """

    frames: tuple[FrameProfile, ...]
    sentences: tuple[ScoredSentence, ...]
    language: Language | None = None
    unscored: str | None = None

    @property
    def scored(self) -> bool:
        """Whether the model scored the article; if not, every score and verdict is None."""
        return self.unscored is None

    def to_dict(self) -> dict:
        """The stable JSON form (documented in the README as the classify --json schema)."""
        return {
            "schema": JSON_SCHEMA_VERSION,
            "language": self.language.to_dict() if self.language is not None else None,
            "scored": self.scored,
            "n_sentences": len(self.sentences),
            "frames": [
                {"id": f.id, "name": f.name, "score": f.score, "present": f.present, "share": f.share,
                 "threshold": f.threshold, "n_over": f.n_over, "reason": f.reason, "evidence": list(f.evidence)}
                for f in self.frames
            ],
            "sentences": [
                {"index": s.index, "start": s.start, "end": s.end, "text": s.text,
                 "scores": dict(zip((f.id for f in self.frames), s.scores)) if self.scored else None,
                 "frames": list(s.frames)}
                for s in self.sentences
            ],
        }


def build_profile(sentences: list[Sentence], probabilities: np.ndarray, frame_ids: tuple[str, ...],
                  frame_names: tuple[str, ...], thresholds: np.ndarray, rule: ArticleRule, top: int = 3) -> ArticleResult:
    """An article's profile and every sentence's scores, from probabilities (n_sentences, n_frames)."""
    carried = probabilities >= thresholds
    scores, flags = probabilities.tolist(), carried.tolist()  # Python floats and bools, in one step each
    scored = tuple(
        ScoredSentence(i, s.text, s.start, s.end, tuple(scores[i]), tuple(compress(frame_ids, flags[i])))
        for i, s in enumerate(sentences)
    )
    counted = counted_sentences(sentences)
    return ArticleResult(summarise(probabilities, frame_ids, frame_names, thresholds, rule, top, counted), scored)


def counted_sentences(sentences: list[Sentence]) -> np.ndarray:
    """Which sentences may count towards a verdict: all but fragments (frames.text.fragments)."""
    return np.array([not is_fragment(s.text) for s in sentences], dtype=bool)


def summarise(probabilities: np.ndarray, frame_ids: tuple[str, ...], frame_names: tuple[str, ...],
              thresholds: np.ndarray, rule: ArticleRule, top: int = 3,
              counted: np.ndarray | None = None) -> tuple[FrameProfile, ...]:
    """Aggregate one article's sentence probabilities (n_sentences, n_frames) into frame profiles.

    The verdict comes from the model's article rule (frames.model.verdict), chosen on labelled real
    articles, over the ``counted`` sentences (not fragments). The evidence is the counted sentences
    over the sentence threshold, strongest first; a "present" verdict with none over the threshold
    (a max rule whose cut is lower) points to the counted sentence that made it, the strongest.
    """
    if counted is None:
        counted = np.ones(len(probabilities), dtype=bool)
    carried = (probabilities >= thresholds) & counted[:, None]
    stats = statistics(probabilities, thresholds, counted)
    present = decide(rule, stats)
    n_fragments = int(len(counted) - counted.sum())
    uncounted = (f"; {n_fragments} heading{'' if n_fragments == 1 else 's'} or fragment{'' if n_fragments == 1 else 's'} "
                 f"not counted") if n_fragments else ""
    profiles = []
    for j, (fid, name) in enumerate(zip(frame_ids, frame_names)):
        column = probabilities[:, j]
        # Strongest first; ties keep article order, so the output is the same every run.
        order = np.argsort(-column, kind="stable")
        n_carried = int(carried[:, j].sum())
        evidence = order[carried[order, j]][:top]
        if present[j] and not n_carried and top:
            evidence = order[counted[order]][:1]
        profiles.append(FrameProfile(
            id=fid, name=name, score=float(column[counted].max()) if counted.any() else 0.0, present=bool(present[j]), share=n_carried / max(1, int(counted.sum())),
            threshold=float(thresholds[j]), evidence=tuple(evidence.tolist()),
            n_over=n_carried, reason=reason(rule, stats[j], rule.cuts[j], bool(present[j]), float(thresholds[j])) + uncounted,
        ))
    return tuple(profiles)


def unscored_result(sentences: list[Sentence], frame_ids: tuple[str, ...], frame_names: tuple[str, ...],
                    thresholds: np.ndarray, language: Language | None, why: str) -> ArticleResult:
    """An article left unscored for ``why``: its sentences, and per frame no score and no verdict (not zeros)."""
    profiles = tuple(FrameProfile(id=fid, name=name, score=None, present=None, share=None, threshold=float(t),
                                  evidence=(), n_over=None, reason=f"not scored: {why}")
                     for fid, name, t in zip(frame_ids, frame_names, thresholds))
    scored = tuple(ScoredSentence(i, s.text, s.start, s.end, (), ()) for i, s in enumerate(sentences))
    return ArticleResult(profiles, scored, language, why)
