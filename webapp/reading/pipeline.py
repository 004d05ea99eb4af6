"""From image bytes to an answer: preprocessing, segmentation, the model, and what the
answer means (a digit, a guess, or "not a digit"). Knows nothing of HTTP; the API and
the CLI both call read_image.

"Not a digit" is a confidence below a threshold measured for each trained model (so that
99.5 % of real drawn digits pass, and 99.5 % of real numbers pass whole: the more digits a
drawing is read as, the lower each one's threshold) and kept in its report,
model/metrics.json; or, with a gate (webapp/reading/verdict.py), the gate's probability that the
input is not a digit at all above the gate's own threshold for that many digits, or
above its stricter `beside` threshold for a piece beside one that is not a digit.

Where the page posted the strokes and a stroke reader is installed (webapp/reading/stroke_reader.py),
which digit it is comes from the pixels and the pen's path together; whether it is a
digit at all is then judged by the gate's joint rule (verdict.JointRule: the pixel gate's
answer, the strokes gate's and the answer's confidence together), if it has one, else as
for pixels alone. The joint rule's thresholds are its own, measured for it.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from webapp.reading import preprocess, segment
from webapp.reading.pen_path import piece_strokes

# Below this confidence the answer is shown as a guess ("4? or 9"), not as a fact.
UNCERTAIN_BELOW = 0.6


@dataclass
class Reading:
    """The reading of one 28x28 input: the digit model's, or, where its strokes were read
    too, the digit model's and the stroke reader's together (`image_confidence` then keeps
    the digit model's own confidence, which the "not a digit" rule judges when there is
    no joint rule to)."""
    probabilities: np.ndarray
    pixels: np.ndarray          # the 28x28 input the network saw
    box: list = field(default=None)   # [x, y, w, h] in the image's pixels
    reject_below: float = 0.0         # below this confidence it is not read as a digit at all
    outside: float = None             # the gate's probability that it is not a digit (None: no gate)
    outside_above: float = 1.0        # ... above this it is not read as a digit
    image_confidence: float = None    # the digit model's own confidence, when the strokes were read too
    path_outside: float = None        # ... and the strokes gate's probability that it is not a digit
    joint_score: float = None         # the gate's joint rule's score, when it judges (then the two
    joint_below: float = 0.0          # thresholds above are 0 and 1, but for `beside`): a digit at
                                      # joint_below or above

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
        if self.joint_score is not None:
            sure = self.joint_score >= self.joint_below
        else:
            sure = (self.confidence if self.image_confidence is None else self.image_confidence) >= self.reject_below
        return sure and (self.outside is None or self.outside <= self.outside_above)

    @property
    def png(self):
        return preprocess.to_png(self.pixels)

    def as_json(self):
        body = {"digit": self.digit, "confidence": round(self.confidence, 4),
                "probabilities": [round(float(p), 4) for p in self.probabilities],
                "uncertain": self.uncertain, "runner_up": self.runner_up, "is_digit": self.is_digit,
                "outside": None if self.outside is None else round(float(self.outside), 4),
                "strokes_read": self.image_confidence is not None}
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


def reject_threshold(reject_below, count):
    """The "not a digit" threshold for each digit of a drawing read as `count` digits:
    `reject_below` is one threshold for all, or a list of them for 1, 2, ... digits (the
    last serves longer numbers too)."""
    if np.ndim(reject_below) == 0:
        return float(reject_below)
    return float(reject_below[min(count, len(reject_below)) - 1]) if len(reject_below) else 0.0


@dataclass(frozen=True)
class Reader:
    """read_image with an app's model and limits: what the API and the CLI call."""
    classifier: object
    max_pixels: int = preprocess.DEFAULT_MAX_PIXELS
    reject_below: object = 0.0   # see reject_threshold
    gate: object = None          # webapp.reading.verdict.Gate, or None
    stroke_reader: object = None   # webapp.reading.stroke_reader.StrokeReader, or None

    def read(self, data, strokes=None):
        return read_image(data, self.classifier, self.max_pixels, self.reject_below, strokes, self.gate,
                          self.stroke_reader)


def read_image(data, classifier, max_pixels=preprocess.DEFAULT_MAX_PIXELS, reject_below=0.0, strokes=None,
               gate=None, stroke_reader=None):
    """Image bytes -> Result. Raises preprocess.PreprocessError for what cannot be read.

    `reject_below`: see reject_threshold. `strokes`, the pen strokes that drew the image
    (polylines of (x, y) in its pixels, in the order drawn), if known, help tell touching
    digits apart. `gate` (webapp.reading.verdict.Gate), if given, reads the whole drawing and each
    piece in one batch once segmentation is done. `stroke_reader`
    (webapp.reading.stroke_reader.StrokeReader), if given with the strokes, reads each piece's
    own strokes too, and each reading's digit comes from both."""
    ink, (top, left), size = preprocess.read_ink(data, max_pixels)   # found once; all below works in the box

    read = {}   # (box, mask) -> (input, probabilities): no piece is prepared or predicted twice

    def read_pieces(pieces, *also):
        """(input, probabilities) of each piece, and the probabilities of the inputs `also`;
        what was not read before is read in one batch."""
        keys = [(piece.box, piece.mask.tobytes()) for piece in pieces]
        missing = {key: piece for key, piece in zip(keys, pieces) if key not in read}
        if len(read) + len(missing) > segment.RULES.max_readings:   # checked before any is prepared
            raise segment.TooManyMarks("too many touching marks to read apart")
        new = {}
        for key, piece in missing.items():
            t, l, b, r = piece.box
            new[key] = preprocess.to_mnist(np.where(piece.mask, ink[t:b, l:r], 0.0))
        batch = [*also, *new.values()]
        probabilities = classifier.predict(np.stack(batch)[..., None]) if batch else []
        read.update((key, (x, p)) for key, x, p in zip(new, new.values(), probabilities[len(also):]))
        return [read[key] for key in keys], probabilities[:len(also)]

    def judge(pieces):   # how surely each candidate reads as a digit: where to cut touching digits
        return np.array([p.max() for _, p in read_pieces(pieces)[0]])

    if strokes:
        strokes = [np.asarray(stroke, dtype=float) - (left, top) for stroke in strokes]
    pieces = segment.split_digits(ink, judge, strokes)
    whole_input = preprocess.to_mnist(ink)
    digits, (whole_p,) = read_pieces(pieces if len(pieces) > 1 else [], whole_input)   # one batch
    outside = [None] * (len(digits) + 1)
    if gate is not None:
        outside = [float(v) for v in gate.outside(np.stack([whole_input, *(x for x, _ in digits)])[..., None])]
    whole = Reading(whole_p, whole_input, reject_below=reject_threshold(reject_below, 1), outside=outside[0],
                    outside_above=_gate_threshold(gate, 1))
    if len(pieces) > 1:
        each = reject_threshold(reject_below, len(pieces))   # a digit among others: a number's threshold
        above = _gate_threshold(gate, len(pieces))
        answers = with_strokes([p for _, p in digits], pieces, strokes, stroke_reader)
        readings = []
        for (x, _), (p, image_confidence, path_outside), piece, out in zip(digits, answers, pieces, outside[1:]):
            x0, y0, w, h = piece.xywh
            reading = Reading(p, x, [x0 + left, y0 + top, w, h], each, out, above, image_confidence, path_outside)
            readings.append(judged_jointly(reading, gate, len(pieces)))
        return Result(whole, beside_not_a_digit(readings, gate), size)
    # one digit (the commonest drawing): read with its piece's strokes, and its entry is the
    # whole reading, boxed (by the ink's box if all of it is specks)
    [(p, image_confidence, path_outside)] = with_strokes([whole_p], pieces, strokes, stroke_reader)
    whole = judged_jointly(replace(whole, probabilities=p, image_confidence=image_confidence,
                                   path_outside=path_outside), gate, 1)
    x, y, w, h = pieces[0].xywh if pieces else [0, 0, ink.shape[1], ink.shape[0]]
    return Result(whole, [replace(whole, box=[x + left, y + top, w, h])], size)


def with_strokes(probabilities, pieces, strokes, stroke_reader):
    """(probabilities, image_confidence, path_outside) for each piece's reading: the digit
    model's `probabilities` and None, None, or, where the stroke reader could read the
    strokes that drew that piece (segment.Piece, in the ink's box as `strokes`), both
    readers' answer, the digit model's own confidence and the strokes gate's answer (None
    without one). All the pieces' strokes are read in one batch."""
    answers = [(p, None, None) for p in probabilities]
    if (not strokes or stroke_reader is None or len(strokes) > segment.RULES.max_strokes
            or sum(map(len, strokes)) > segment.RULES.max_stroke_points):   # past these, not writing
        return answers
    paths = [piece_strokes(strokes, piece.box, piece.mask) for piece in pieces]
    read = [k for k, path in enumerate(paths) if path is not None]
    if read:
        stroke_p, path_outside = stroke_reader.read([paths[k] for k in read])
        for n, (k, p) in enumerate(zip(read, stroke_p)):
            answers[k] = (stroke_reader.combine(probabilities[k], p), float(probabilities[k].max()),
                          None if path_outside is None else float(path_outside[n]))
    return answers


def judged_jointly(reading, gate, count):
    """The reading judged by the gate's joint rule (webapp.reading.verdict.JointRule) at its threshold
    for a drawing of `count` digits, where its strokes were read and the gate has one
    (and, if the rule weighs the strokes gate, the strokes gate answered); else as it is."""
    joint = None if gate is None else gate.joint
    if (joint is None or reading.image_confidence is None or reading.outside is None
            or (joint.path_weight and reading.path_outside is None)):   # the rule weighs what is not there
        return reading
    return replace(reading, reject_below=0.0, outside_above=1.0, joint_below=reject_threshold(joint.below, count),
                   joint_score=float(joint.score(reading.outside, reading.confidence, reading.path_outside)))


def beside_not_a_digit(readings, gate):
    """The pieces of a drawing where some piece is not a digit, each held to the gate's
    stricter `beside` threshold: the rest of a cat whose body was turned away, the other
    letters of a word. In a real number a piece turned away is rare and the number is
    then not read whole anyway, so the rule costs numbers nothing; it costs only digits
    written beside something else ("No 42"), and `beside` lets most of those through
    (training.gate.beside_threshold)."""
    beside = None if gate is None else gate.beside
    if beside is None or all(r.is_digit for r in readings):
        return readings
    return [replace(r, outside_above=min(r.outside_above, beside)) if r.is_digit else r for r in readings]


def _gate_threshold(gate, count):
    return 1.0 if gate is None else reject_threshold(gate.above, count)
