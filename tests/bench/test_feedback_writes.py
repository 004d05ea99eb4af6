"""bench/feedback_writes.py runs and prints its figure (on a few posts)."""

import json

from bench import feedback_writes


def test_it_prints_writes_per_second(capsys):
    feedback_writes.main(["--posts", "16", "--threads", "4"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["sqlite"]["writes_per_s"] > 0 and "postgresql" not in printed
