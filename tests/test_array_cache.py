"""The content-keyed array cache of ``tmlmap.maps.artifacts`` (used for the corpus papers' risks)."""

from __future__ import annotations

import os

import numpy as np

from tmlmap.maps.artifacts import cached_array, content_key


class Counter:
    def __init__(self, value: np.ndarray) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> np.ndarray:
        self.calls += 1
        return self.value.copy()


def test_second_call_loads_what_the_first_computed(tmp_path):
    compute = Counter(np.arange(12, dtype=np.float64).reshape(6, 2) / 7)
    key = content_key([np.ones(3), "x", 1.5])
    first = cached_array(tmp_path, "paper-risks", key, compute)
    second = cached_array(tmp_path, "paper-risks", key, compute)
    assert compute.calls == 1
    np.testing.assert_array_equal(first, second)
    assert second.dtype == np.float64 and second.shape == (6, 2)


def test_the_key_follows_every_part():
    base = [np.arange(4, dtype=np.float64), np.zeros((2, 2), dtype=np.float32), "contexts", 0.25, None]
    key = content_key(base)
    assert content_key(list(base)) == key
    changed = [np.arange(4, dtype=np.float64) + [0, 0, 0, 1e-12], *base[1:]]
    assert content_key(changed) != key
    assert content_key([base[0].astype(np.float32), *base[1:]]) != key  # same values, other dtype
    assert content_key([base[0].reshape(2, 2), *base[1:]]) != key  # same bytes, other shape
    assert content_key([*base[:3], 0.5, None]) != key
    assert content_key([*base[:4], b"source"]) != key


def test_a_corrupt_or_pickled_file_is_computed_again(tmp_path):
    compute = Counter(np.full((3, 2), 0.5))
    key = content_key(["k"])
    cached_array(tmp_path, "paper-risks", key, compute)
    (path,) = tmp_path.glob("paper-risks-*.npy")
    path.write_bytes(b"not an array")
    np.testing.assert_array_equal(cached_array(tmp_path, "paper-risks", key, compute), np.full((3, 2), 0.5))
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)  # never unpickled
    np.testing.assert_array_equal(cached_array(tmp_path, "paper-risks", key, compute), np.full((3, 2), 0.5))
    assert compute.calls == 3
    assert not list(tmp_path.glob(".paper-risks-*"))  # no temporary file left


def test_only_the_most_recent_files_stay(tmp_path):
    keys = [content_key([i]) for i in range(5)]
    for i, key in enumerate(keys):
        cached_array(tmp_path, "paper-risks", key, Counter(np.zeros(2)), keep=3)
        path = tmp_path / f"paper-risks-{key[:32]}.npy"
        os.utime(path, (1000 + i, 1000 + i))  # distinct times, oldest first
    assert {p.name for p in tmp_path.glob("paper-risks-*.npy")} == {f"paper-risks-{k[:32]}.npy" for k in keys[2:]}


def test_an_unwritable_folder_still_gives_the_value(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    compute = Counter(np.ones(4))
    out = cached_array(blocker / "sub", "paper-risks", content_key(["k"]), compute)
    np.testing.assert_array_equal(out, np.ones(4))
