"""The yardstick: a digit classifier served the way most tutorials serve one.

Flask's development server (threaded, its default), the model loaded with Keras at start,
and on each request: Pillow decodes the PNG, convert('L'), invert, resize((28, 28)), /255,
model.predict(x). Not part of the app; bench/run.py measures the project against it.

    python bench/baseline_app.py --model model/digits.keras --port 5000

It reads the same JSON body as the app ({"image": "data:image/png;base64,..."}) so the
same load hits both. Its answers are not the point (on a transparent canvas export,
convert('L') drops the alpha that carries the drawing): only its cost is.
"""

import argparse
import base64
import io
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from flask import Flask, jsonify, request  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

app = Flask(__name__)
model = None


@app.post("/api/predict")
def predict():
    data_url = request.get_json()["image"]
    image = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))
    image = ImageOps.invert(image.convert("L")).resize((28, 28))
    x = np.asarray(image, dtype=np.float32).reshape(1, 28, 28, 1) / 255.0
    probabilities = model.predict(x)[0]
    return jsonify(digit=int(np.argmax(probabilities)), confidence=float(np.max(probabilities)),
                   probabilities=probabilities.tolist())


@app.get("/healthz")
def healthz():
    """Not in the tutorials; here so the benchmark waits for both servers the same way."""
    return jsonify(status="ok")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a .keras model file")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    model = tf.keras.models.load_model(args.model)
    app.run(host="127.0.0.1", port=args.port)
