"""MNIST from a local .npz or Keras's downloader, and the split train.py learns from."""

import hashlib
from pathlib import Path

import numpy as np

VALIDATION_SIZE = 5000


def load_mnist(path):
    """MNIST as uint8 arrays; from a local .npz (read with numpy, no hash check) or Keras's downloader."""
    if path is not None:
        with np.load(path) as d:
            arrays = d["x_train"], d["y_train"], d["x_test"], d["y_test"]
        return arrays, Path(path).name, sha256(path)   # the hash, not the path, identifies the data
    import keras
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    cached = Path.home() / ".keras" / "datasets" / "mnist.npz"
    digest = hashlib.sha256(cached.read_bytes()).hexdigest() if cached.exists() else None
    return (x_train, y_train, x_test, y_test), "keras.datasets.mnist", digest


def sha256(path):
    """The file's hash: what identifies the data in a report, not where it sat."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def split(x_train, y_train, x_test, y_test, seed, limit):
    """Hold out a validation set from the training data; the test set stays untouched."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x_train))
    n_val = min(VALIDATION_SIZE, len(x_train) // 10) if limit is None else max(limit // 5, 10)
    val, train = order[:n_val], order[n_val:]
    if limit is not None:
        train = train[:limit]
        x_test, y_test = x_test[:limit], y_test[:limit]

    def prep(x):
        return (x.astype("float32") / 255.0)[..., None]

    return ((prep(x_train[train]), y_train[train]), (prep(x_train[val]), y_train[val]),
            (prep(x_test), y_test.astype("int64")))
