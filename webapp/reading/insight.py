"""An Explanation as the page shows it: small PNGs and short lists, a few KB of JSON.

Pure numpy and webapp.reading.png; the API calls explanation_json. Each feature map is scaled to
0-255 by its own largest value (a map's pattern matters, not its level, which
`activity` gives); only the most active maps of each layer are sent, with their indices.

The evidence is gradient x input blurred over each pixel's 5x5 neighbourhood and kept
on the ink. A single gradient is speckled pixel by pixel (a ReLU network's gradient
jumps from one pixel to the next); the blurred map shows which parts of the stroke
count, and deleting the ink it ranks first still takes the answer away far faster than
deleting ink at random (bench/explain.py prints both, and the unblurred map's too).
"""

import base64

import numpy as np

from webapp.reading import png

MAPS_SHOWN = 12                # per convolution layer, the most active by mean activation
EVIDENCE_BLUR = np.outer(*[np.array([1, 4, 6, 4, 1]) / 16] * 2)   # binomial 5x5, sums to 1
EVIDENCE_STEPS = 100           # evidence values are sent as whole numbers in -100..100
TOWARDS = (56, 189, 248)       # sky blue: pixels that push towards the answer
AGAINST = (251, 146, 60)       # orange: pixels that push towards the runner-up


def data_url(png_bytes):
    return "data:image/png;base64," + base64.b64encode(png_bytes).decode("ascii")


def scaled_bytes(values, top):
    """Non-negative values -> uint8 with `top` at 255 (0 where top is 0); `top` broadcasts."""
    top = np.asarray(top, np.float32)
    scale = np.divide(255.0, top, out=np.zeros_like(top), where=top > 0)
    return (np.clip(values * scale, 0.0, 255.0) + 0.5).astype(np.uint8)


def layer_json(activations, shown=MAPS_SHOWN):
    """(H, W, C) activations -> {"size", "channels", "maps": the `shown` most active, most
    active first, each {"index", "activity" (mean), "image" (greyscale PNG data URL)}}."""
    height, width, channels = activations.shape
    activity = activations.mean(axis=(0, 1))
    order = np.argsort(-activity, kind="stable")[:shown]
    maps = activations[:, :, order]
    pictures = np.moveaxis(scaled_bytes(maps, maps.max(axis=(0, 1))), 2, 0)
    return {"size": [height, width], "channels": channels,
            "maps": [{"index": int(i), "activity": round(float(activity[i]), 4),
                      "image": data_url(png.encode(picture, level=1))} for i, picture in zip(order, pictures)]}


def dense_json(activations):
    """(N,) activations -> {"values": N whole numbers 0-255 (255 = the largest), "max"}."""
    top = float(activations.max())
    return {"values": scaled_bytes(activations, top).tolist(), "max": round(top, 4)}


def evidence_picture(evidence):
    """(28, 28) evidence scaled to [-1, 1] -> RGBA uint8: blue towards, orange against,
    opacity by the square root of the strength so that weaker evidence still shows."""
    rgba = np.zeros((*evidence.shape, 4), np.uint8)
    rgba[evidence > 0, :3] = TOWARDS
    rgba[evidence < 0, :3] = AGAINST
    rgba[..., 3] = np.round(np.sqrt(np.abs(evidence)) * 255).astype(np.uint8)
    return rgba


def blurred_evidence(evidence, pixels):
    """Gradient x input blurred by EVIDENCE_BLUR, on the ink of `pixels` only."""
    reach = len(EVIDENCE_BLUR) // 2
    padded = np.pad(evidence, reach)
    windows = np.lib.stride_tricks.sliding_window_view(padded, EVIDENCE_BLUR.shape)
    return np.einsum("ijkl,kl->ij", windows, EVIDENCE_BLUR) * (pixels > 0)


def evidence_json(evidence, towards, against):
    """{"towards", "against", "scale" (the largest |evidence|), "values" (28 rows of
    whole numbers in -100..100, scaled by `scale`), "image" (RGBA PNG data URL)}."""
    scale = float(np.abs(evidence).max())
    unit = evidence / scale if scale > 0 else np.zeros_like(evidence)
    return {"towards": towards, "against": against, "scale": round(scale, 6),
            "values": np.round(unit * EVIDENCE_STEPS).astype(int).tolist(),
            "image": data_url(png.encode(evidence_picture(unit)))}


def explanation_json(explanation):
    """The layers (each numbered by its stage: 1 for the layers at 28x28, 2 at 14x14, ...),
    the dense layer and the evidence of an Explanation, as the API sends them."""
    layers, stage = [], 0
    for i, activations in enumerate(explanation.layers):   # a stage: the layers at one resolution
        stage += i == 0 or activations.shape[:2] != explanation.layers[i - 1].shape[:2]
        layers.append({"stage": stage, **layer_json(activations)})
    return {"layers": layers,
            "dense": dense_json(explanation.dense),
            "evidence": evidence_json(blurred_evidence(explanation.evidence, explanation.pixels),
                                      explanation.towards, explanation.against)}
