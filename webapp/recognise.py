"""From image bytes to an answer: preprocessing, segmentation, the model, and what the
answer means (a digit, a guess, or "not a digit"). Knows nothing of HTTP; the API and
the CLI both call read_image.

"Not a digit" is a confidence below a threshold measured for each trained model (so that
99 % of real drawn digits pass) and kept in its report, model/metrics.json.
"""

from dataclasses import dataclass, field

import numpy as np

from webapp import preprocess, segment

# Below this confidence the answer is shown as a guess ("4? or 9"), not as a fact.
UNCERTAIN_BELOW = 0.6


@dataclass
class Reading:
    """The model's reading of one 28x28 input."""
    probabilities: np.ndarray
    pixels: np.ndarray          # the 28x28 input the network saw
    box: list = field(default=None)   # [x, y, w, h] in the image's pixels
    reject_below: float = 0.0         # below this confidence it is not read as a digit at all

    @property
    def digit(self):
        return int(np.argmax(self.probabilities))

    @property
    def confidence(self):
        return float(self.probabilities.max())

    @property
    def runner_up(self):
        return int(np.argsort(self.probabilities)[-2])

    @property
    def uncertain(self):
        return self.confidence < UNCERTAIN_BELOW

    @property
    def is_digit(self):
        return self.confidence >= self.reject_below

    @property
    def png(self):
        return preprocess.encode_png(self.pixels)

    def as_json(self):
        body = {"digit": self.digit, "confidence": round(self.confidence, 4),
                "probabilities": [round(float(p), 4) for p in self.probabilities],
                "uncertain": self.uncertain, "runner_up": self.runner_up, "is_digit": self.is_digit}
        if self.box is not None:
            body["box"] = self.box
        return body


@dataclass
class Result:
    """A whole drawing: read as one digit, and as the digits it holds, left to right."""
    whole: Reading
    digits: list
    size: tuple         # (width, height) of the image as read: the boxes' pixel space

    @property
    def number(self):
        """The digits left to right; "?" for a piece that is not a digit."""
        return "".join(str(d.digit) if d.is_digit else "?" for d in self.digits)


def read_image(data, classifier, max_pixels=preprocess.DEFAULT_MAX_PIXELS, reject_below=0.0):
    """Image bytes -> Result. Raises preprocess.PreprocessError for what cannot be read."""
    ink = preprocess.ink_map(preprocess.decode_image(data, max_pixels))
    whole = preprocess.to_mnist(ink)
    pieces = segment.split_digits(ink)
    inputs = [whole]
    if len(pieces) > 1:
        for piece in pieces:
            top, left, bottom, right = piece.box
            crop = np.where(piece.mask, ink[top:bottom, left:right], 0.0)
            inputs.append(preprocess.to_mnist(crop))
    batch = np.stack(inputs)[..., None]
    probabilities = classifier.predict(batch)   # the whole drawing and every digit in one call
    readings = [Reading(p, x, reject_below=reject_below) for p, x in zip(probabilities, inputs)]
    if len(pieces) > 1:
        for reading, piece in zip(readings[1:], pieces):
            reading.box = piece.xywh
        return Result(readings[0], readings[1:], (ink.shape[1], ink.shape[0]))
    whole_reading = readings[0]
    if pieces:
        box = pieces[0].xywh
    else:  # all of the ink is specks: the whole drawing's box
        top, left, bottom, right = preprocess.bounding_box(preprocess.ink_mask(ink))
        box = [left, top, right - left, bottom - top]
    return Result(whole_reading, [Reading(whole_reading.probabilities, whole_reading.pixels, box, reject_below)],
                  (ink.shape[1], ink.shape[0]))
