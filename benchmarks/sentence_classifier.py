"""Would a learned sentence classifier find the incidents the rules miss on unseen text?

An experiment, not part of the extractor. Every dev and seed text is split into the
extractor's own sentences; a sentence is positive when it overlaps a gold anchor. Gold
rounds are held out one at a time (leave one round out): a TF-IDF (words and character
n-grams) logistic regression is trained on the other rounds' sentences and scores the
held-out round's. Reported, per threshold:

- the classifier alone: gold incidents whose anchor sentence it flags, and the sentences
  it flags that tell no gold incident (in texts with and without one);
- the classifier beside the rules: gold incidents the rules miss that it would add, and
  the flagged sentences that neither gold nor the rules' drafts hold.

The test split is never read. Needs scikit-learn: ``pip install -e '.[research]'``.
Run: ``python benchmarks/sentence_classifier.py``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from incidents.extract.evaluate import anchor_spans, load_gold, match_incidents
from incidents.extract.pipeline import Extractor

GOLD = Path(__file__).resolve().parent.parent / "data" / "gold" / "gold.yaml"
THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9)


@dataclass
class Sentence:
    """One sentence: its words, the gold incidents it anchors, whether a draft holds it."""

    text: str
    gold: set[int]
    by_rules: bool
    score: float = 0.0


@dataclass
class Text:
    """One gold text as the experiment sees it."""

    id: str
    round: str
    incidents: int
    found_by_rules: set[int]
    sentences: list[Sentence] = field(default_factory=list)


def gold_round(text_id: str) -> str:
    """The collection round of a gold id: 'g01-...' -> 'g', 'r13-05-...' -> 'r13'."""
    head = text_id.split("-")[0]
    return re.sub(r"\d\d$", "", head) if re.fullmatch(r"[gn]\d\d", head) else head


def load_texts() -> list[Text]:
    """Dev and seed texts, each sentence labelled from gold and from the rules' drafts."""
    gold = load_gold(GOLD)
    extractor = Extractor()
    texts = []
    for item in gold.texts:
        if item.split == "test":
            continue
        body = (GOLD.parent / item.file).read_text(encoding="utf-8")
        found = extractor.extract(body, published=item.published)
        pairs = match_incidents(body, item.incidents, found.drafts, item.id)
        anchors = anchor_spans(body, item.incidents, item.id)
        told = [(e.start, e.end) for d in found.drafts for e in d.evidence if e.field == "incident"]
        text = Text(item.id, gold_round(item.id), len(item.incidents), set(pairs))
        for s in found.doc.sentences():
            text.sentences.append(
                Sentence(
                    body[s.start : s.end],
                    {n for n, (a, b) in enumerate(anchors) if s.start < b and a < s.end},
                    any(s.start < b and a < s.end for a, b in told),
                )
            )
        texts.append(text)
    return texts


def score_held_out(texts: list[Text]) -> None:
    """Give every sentence the score of a model trained without its round."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    for held in sorted({t.round for t in texts}):
        train = [s for t in texts if t.round != held for s in t.sentences]
        model = make_pipeline(
            make_union(
                TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True
                ),
            ),
            LogisticRegression(C=4, class_weight="balanced", max_iter=2000),
        )
        model.fit([s.text for s in train], [bool(s.gold) for s in train])
        for t in texts:
            if t.round == held and t.sentences:
                scores = model.predict_proba([s.text for s in t.sentences])[:, 1]
                for s, p in zip(t.sentences, scores, strict=True):
                    s.score = float(p)


def report(texts: list[Text]) -> None:
    """Print the two tables: the classifier alone, and beside the rules."""
    total = sum(t.incidents for t in texts)
    rules = sum(len(t.found_by_rules) for t in texts)
    print(f"{len(texts)} texts, {total} gold incidents; the rules find {rules}")
    print(
        "threshold | alone: found, flagged no-incident sentences (pos. texts / neg. texts)"
        " | beside the rules: added, new false sentences"
    )
    for th in THRESHOLDS:
        alone = added = false_pos = false_neg = extra = 0
        for t in texts:
            for n in range(t.incidents):
                flagged = any(n in s.gold and s.score > th for s in t.sentences)
                alone += flagged
                added += flagged and n not in t.found_by_rules
            wrong = [s for s in t.sentences if s.score > th and not s.gold]
            if t.incidents:
                false_pos += len(wrong)
            else:
                false_neg += len(wrong)
            extra += sum(not s.by_rules for s in wrong)
        print(f"{th:9.1f} | {alone:3d} of {total}, {false_pos} / {false_neg} | +{added}, {extra}")


def main() -> None:
    """Run the experiment on the dev and seed texts."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        sys.exit("needs scikit-learn: pip install -e '.[research]'")
    texts = load_texts()
    score_held_out(texts)
    report(texts)


if __name__ == "__main__":
    main()
