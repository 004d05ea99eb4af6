"""Where the time of one request goes, measured in-process on the app's real request path.

Each body goes through the app itself (Flask's test client, no socket), with the app's
own functions wrapped in timers: the stages are whatever webapp/web/api.py and
webapp/reading/pipeline.py actually call, so this stays true as that code changes, and fails
loudly if a timed function is renamed. "flask_and_rest" is the request's time outside
the timed stages: routing, reading the JSON body and its base64, building the answer,
the request log. What the HTTP latency adds on top of "total" is the server's own cost
(gunicorn, the socket).
"""

import contextlib
import logging
import os
import time
from unittest import mock

import numpy as np

from webapp import create_app
from webapp.reading import pipeline, preprocess, segment

STAGES = ("read_ink", "to_mnist", "split_digits", "inference", "strokes", "encode_png", "json_dumps",
          "flask_and_rest")


def time_stages(bodies, model_path, count):
    """p50 milliseconds of each stage, and of the whole request, over `count` requests."""
    app = create_app({"MODEL_PATH": str(model_path)})
    client = app.test_client()
    targets = [(preprocess, "read_ink", "read_ink"),
               (preprocess, "to_mnist", "to_mnist"), (segment, "split_digits", "split_digits"),
               (app.extensions["classifier"], "predict", "inference"),
               (pipeline, "with_strokes", "strokes"),   # the stroke reader: its features and its network
               (preprocess, "to_png", "encode_png"), (app.json, "dumps", "json_dumps")]
    clock = _StageClock()
    samples = {stage: [] for stage in (*STAGES, "total")}
    with contextlib.ExitStack() as patches, _request_log_to_devnull():
        for target, attribute, stage in targets:
            patches.enter_context(mock.patch.object(target, attribute, clock.wrap(getattr(target, attribute), stage)))
        for i in range(count):
            clock.spent.clear()
            started = time.perf_counter()
            response = client.post("/api/predict", data=bodies[i % len(bodies)], content_type="application/json")
            total = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"in-process request failed: {response.status_code} {response.get_data(True)}")
            for stage in STAGES[:-1]:
                samples[stage].append(clock.spent.get(stage, 0.0))
            samples["flask_and_rest"].append(total - sum(clock.spent.values()))
            samples["total"].append(total)
    return {stage: round(float(np.percentile(values, 50)), 3) for stage, values in samples.items()}


class _StageClock:
    """Milliseconds spent in each wrapped function during one request. A call made from
    inside another timed call counts for the outer one only, so nothing is counted twice."""

    def __init__(self):
        self.spent = {}
        self._depth = 0

    def wrap(self, function, stage):
        def timed(*args, **kwargs):
            self._depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    elapsed = (time.perf_counter() - started) * 1000
                    self.spent[stage] = self.spent.get(stage, 0.0) + elapsed
        return timed


@contextlib.contextmanager
def _request_log_to_devnull():
    """Keep the app's request log (formatting it is part of a request's cost) but write it
    to /dev/null instead of over the benchmark's table."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    with open(os.devnull, "w") as devnull:
        streams = [h.setStream(devnull) for h in handlers]
        try:
            yield
        finally:
            for handler, stream in zip(handlers, streams):
                handler.setStream(stream)
