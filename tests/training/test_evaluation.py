"""The "not a digit" report: drawings read through the server's path, counted per kind."""

import numpy as np

from training import evaluation, nondigits


class Always:
    """A model that gives every input the same probabilities."""
    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, dtype=np.float32)

    def predict(self, batch):
        return np.tile(self.probabilities, (len(batch), 1))


KINDS = {kind: nondigits.HELD_OUT_KINDS[kind] for kind in ("face", "word", "star")}


def test_a_model_sure_of_everything_rejects_nothing_and_shows_what_it_read():
    report, confidences = evaluation.nondigit_report(Always(np.eye(10)[4]), [0.8, 0.6], KINDS,
                                                     np.random.default_rng(0), per_kind=3)
    assert report["rejected"] == 0.0
    assert set(report["by_kind"]) == set(KINDS) and all(c.shape == (3,) for c in confidences.values())
    assert all(set(read) == {"4"} for row in report["by_kind"].values() for read in row["most_read_as"])
    assert len(report["missed"]) == 3 * len(KINDS) and report["missed"][0]["picture"]


def test_a_model_unsure_of_everything_rejects_every_drawing_and_every_piece():
    report, _ = evaluation.nondigit_report(Always(np.full(10, 0.1)), [0.8, 0.6], KINDS,
                                           np.random.default_rng(0), per_kind=3)
    assert report["rejected"] == 1.0 and report["missed"] == []
    assert all(row["rejected"] == row["whole_rejected"] == 1.0 for row in report["by_kind"].values())
