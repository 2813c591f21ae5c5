"""CIFAR-10 directory reader on small synthetic files in the official pickle batch format."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
import torch

from pcnn_hw.data import load_dataset
from pcnn_hw.data.synthetic import write_fake_cifar10
from pcnn_hw.errors import DatasetError


def test_reads_official_layout(tmp_path):
    batches = write_fake_cifar10(tmp_path)
    ds = load_dataset("cifar10", root=tmp_path)
    assert ds.in_shape == (3, 32, 32) and ds.num_classes == 10
    assert ds.train_x.shape == (30, 3, 32, 32) and ds.test_x.shape == (6, 3, 32, 32)
    assert ds.train_x.dtype == torch.float32 and ds.test_y.dtype == torch.int64
    # channel-major: the first 1024 bytes are the red plane of image 0, row by row
    first = batches[0][b"data"][0]
    assert torch.equal(ds.train_x[0, 0, 0, :], torch.from_numpy(first[:32].astype(np.float32) / 255))
    assert torch.equal(ds.train_x[0, 2, 31, :], torch.from_numpy(first[-32:].astype(np.float32) / 255))
    assert ds.test_y.tolist() == batches[-1][b"labels"]
    assert ds.train_y[6:12].tolist() == batches[1][b"labels"]


def test_accepts_extracted_subdirectory(tmp_path):
    write_fake_cifar10(tmp_path / "cifar-10-batches-py")
    assert load_dataset("cifar10", root=tmp_path).train_x.shape[0] == 30


def test_missing_root_names_path_and_layout(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(DatasetError, match=r"nope.*data_batch_1\.\.data_batch_5 and test_batch"):
        load_dataset("cifar10", root=missing)
    with pytest.raises(DatasetError, match="--data-root"):
        load_dataset("cifar10")


def test_missing_batch_file(tmp_path):
    write_fake_cifar10(tmp_path)
    os.remove(tmp_path / "data_batch_3")
    with pytest.raises(DatasetError, match=r"data_batch_3 is missing"):
        load_dataset("cifar10", root=tmp_path)


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"\x00not a pickle", "not a readable pickle"),
        (pickle.dumps([1, 2, 3]), "has keys list"),
        (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8)}), "has keys"),
        (pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}), r"\(2, 100\)"),
        (pickle.dumps({b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]}), "float32"),
        (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}), "expected 2 ints"),
        (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 12]}), "outside 0..9"),
        (pickle.dumps({b"data": os.getcwd, b"labels": [0]}), "refusing to load"),
    ],
)
def test_malformed_test_batch(tmp_path, payload, message):
    write_fake_cifar10(tmp_path)
    (tmp_path / "test_batch").write_bytes(payload)
    with pytest.raises(DatasetError, match=message) as info:
        load_dataset("cifar10", root=tmp_path)
    assert str(tmp_path / "test_batch") in str(info.value)
