from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.splits import random_split, subject_split


def test_random_split_reproduces_the_guides_counts():
    parts = random_split(13395, seed=0)
    assert [len(parts[k]) for k in ("train", "val", "test")] == [10046, 670, 2679]
    joined = np.concatenate(list(parts.values()))
    assert len(np.unique(joined)) == 13395


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 8), min_size=3, max_size=200), st.integers(0, 1000))
def test_subject_split_never_straddles_and_covers_everything(subjects, seed):
    subjects = np.array(subjects)
    parts = subject_split(subjects, seed)
    people = [set(subjects[parts[k]]) for k in ("train", "val", "test")]
    assert not (people[0] & people[1]) and not (people[0] & people[2]) and not (people[1] & people[2])
    assert sorted(np.concatenate(list(parts.values()))) == list(range(len(subjects)))
    assert len(parts["train"]) > 0


def test_subject_split_on_biwi_sized_data_gives_every_split_people():
    subjects = np.repeat(np.arange(1, 21), 670)
    parts = subject_split(subjects, seed=42)
    counts = {k: len(set(subjects[v])) for k, v in parts.items()}
    assert counts["test"] == 4 and counts["val"] == 1 and counts["train"] == 15


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 1000), st.sets(st.integers(1, 20), min_size=1, max_size=3))
def test_pinned_people_are_tested_on_whatever_the_seed(seed, pinned):
    subjects = np.repeat(np.arange(1, 21), 50)
    parts = subject_split(subjects, seed, test_first=tuple(sorted(pinned)))
    assert pinned <= set(subjects[parts["test"]])
    assert not pinned & set(subjects[parts["train"]]) and not pinned & set(subjects[parts["val"]])


def test_pinning_someone_absent_is_refused():
    with pytest.raises(ValueError, match="99"):
        subject_split(np.array([1, 2, 3]), 0, test_first=(99,))
