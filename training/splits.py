"""Train/val/test splits of BIWI frames: by person (honest) or by frame (the guide's table)."""

from __future__ import annotations

import numpy as np

SPLIT_NAMES = ("train", "val", "test")
DEFAULT_FRACTIONS = (0.75, 0.05, 0.20)


def random_split(n: int, seed: int, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS) -> dict[str, np.ndarray]:
    """Shuffle frames and cut 75/5/20: 13395 frames give 10046 | 670 | 2679 as in the guide."""
    order = np.random.default_rng(seed).permutation(n)
    n_train = int(round(fractions[0] * n))
    n_val = int(round(fractions[1] * n))
    return {
        "train": np.sort(order[:n_train]),
        "val": np.sort(order[n_train : n_train + n_val]),
        "test": np.sort(order[n_train + n_val :]),
    }


def subject_split(
    subjects: np.ndarray, seed: int, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
    test_first: tuple = (),
) -> dict[str, np.ndarray]:
    """Split by person so that nobody's frames (from any of their sequences) straddle splits.

    People are shuffled with ``seed``; the test split takes people until it holds at least its
    fraction of frames, then validation does the same (at least one person each when there are
    three or more people); everyone else trains. ``test_first`` people go to the test split first
    (they count toward its fraction), so they are never trained on (e.g. the identities an
    evaluation video shows).
    """
    subjects = np.asarray(subjects)
    people = np.unique(subjects)
    pinned = set(test_first)
    unknown = pinned - set(people.tolist())
    if unknown:
        raise ValueError(f"not among the people to split: {', '.join(map(str, sorted(unknown)))}")
    shuffled = np.random.default_rng(seed).permutation(people)
    counts = {p: int((subjects == p).sum()) for p in people}
    n = len(subjects)
    assigned: dict[str, list] = {"train": [], "val": [], "test": list(test_first)}
    queue = [p for p in shuffled.tolist() if p not in pinned]
    for name, frac in (("test", fractions[2]), ("val", fractions[1])):
        taken = sum(counts[p] for p in assigned[name])
        while queue and len(queue) > 1 and (taken < frac * n or (not assigned[name] and len(people) >= 3)):
            if frac <= 0:
                break
            person = queue.pop(0)
            assigned[name].append(person)
            taken += counts[person]
    assigned["train"] = queue
    return {name: np.flatnonzero(np.isin(subjects, assigned[name])) for name in SPLIT_NAMES}
