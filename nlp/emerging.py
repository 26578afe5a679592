"""What the complaints that fit no cause talk about: the watch list for a possible emerging cause.

Input: the lemmas of unassigned complaints and of a background sample of assigned ones. Output: the
words that are much more frequent among the unassigned (document frequency ratio, smoothed), best first.
"""

from __future__ import annotations

from collections import Counter


def emerging_keywords(unassigned: list[str], background: list[str], n: int = 10, min_docs: int = 3) -> list[str]:
    """Words of at least ``min_docs`` unassigned complaints that are likelier there than in the background,
    ranked by that ratio times the square root of their count."""
    inside = Counter(w for doc in unassigned for w in set(doc.split()))
    outside = Counter(w for doc in background for w in set(doc.split()))
    n_in, n_out = max(len(unassigned), 1), max(len(background), 1)
    ratio = {w: (count / n_in) / ((outside[w] + 1) / (n_out + 1)) for w, count in inside.items() if count >= min_docs}
    scored = [(r * inside[w] ** 0.5, w) for w, r in ratio.items() if r > 1]  # over-represented words only
    return [w for _, w in sorted(scored, reverse=True)[:n]]
