"""Where the time of one request goes, measured in-process on the app's own functions.

The stages are the ones webapp/api.py and webapp/recognise.py run for POST /api/predict,
called in the same order on the same bodies. Whatever the HTTP latency has on top of
their sum is the server's own cost: HTTP parsing, Flask, logging, the socket.
"""

import base64
import json
import time

import numpy as np

from webapp import preprocess
from webapp.classifier import load_classifier
from webapp.recognise import Reading

STAGES = ("parse_json_base64", "decode_png", "ink_map_to_mnist", "inference", "encode_answer")


def time_stages(bodies, model_path, count):
    """p50 milliseconds of each stage (and of their sum) over `count` requests."""
    classifier = load_classifier(model_path)
    samples = {stage: [] for stage in (*STAGES, "total")}
    for i in range(count):
        for stage, ms in _one_request(bodies[i % len(bodies)], classifier).items():
            samples[stage].append(ms)
    return {stage: round(float(np.percentile(values, 50)), 3) for stage, values in samples.items()}


def _one_request(body, classifier):
    clock = [time.perf_counter()]

    def lap():
        clock.append(time.perf_counter())
        return (clock[-1] - clock[-2]) * 1000

    data_url = json.loads(body)["image"]
    data = base64.b64decode(data_url.partition(",")[2])
    ms = {"parse_json_base64": lap()}
    image = preprocess.decode_image(data)
    ms["decode_png"] = lap()
    pixels = preprocess.to_mnist(preprocess.ink_map(image))
    ms["ink_map_to_mnist"] = lap()
    probabilities = classifier.predict(pixels[None, ..., None])[0]
    ms["inference"] = lap()
    digit = int(np.argmax(probabilities))
    answer = Reading(digit, float(probabilities[digit]), probabilities, pixels).as_json()
    answer["input"] = "data:image/png;base64," + base64.b64encode(preprocess.encode_png(pixels)).decode("ascii")
    json.dumps(answer)
    ms["encode_answer"] = lap()
    ms["total"] = (clock[-1] - clock[0]) * 1000
    return ms
