"""Temperature scaling: softmax(logits / T), with T fitted on validation digits so that
the confidence the page shows is as often right as it says."""

import numpy as np


def log_softmax_scaled(probabilities, factor):
    """log softmax(factor * log p): the probabilities of a model whose logits are scaled by
    `factor`, in logs. log(p) differs from the logits by a per-row constant, which softmax
    ignores, so the logits need not be known."""
    z = np.log(np.clip(probabilities, 1e-12, 1.0)) * factor
    z -= z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def with_temperature_applied(probabilities, temperature):
    """Probabilities of softmax(z) -> those of softmax(z / T)."""
    return np.exp(log_softmax_scaled(probabilities, 1.0 / temperature))


def undo_temperature(probabilities, temperature):
    """Probabilities of a model with softmax(z / T) -> those of softmax(z)."""
    return np.exp(log_softmax_scaled(probabilities, temperature))


def fit_temperature(probabilities, labels):
    """The temperature T minimising validation log-loss of softmax(logits / T)."""
    rows = np.arange(len(labels))
    best_t, best_nll = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.25), np.log(4.0), 401)):
        nll = -np.mean(log_softmax_scaled(probabilities, 1.0 / t)[rows, labels])
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


def with_temperature(model, temperature):
    """The same Keras model, with softmax(logits / temperature) as the output."""
    import keras
    from keras import layers
    logits = model.get_layer("logits").output
    scaled = layers.Rescaling(1.0 / temperature, name="temperature")(logits)
    outputs = layers.Softmax(name="probabilities")(scaled)
    return keras.Model(model.inputs, outputs, name="digits")


def without_temperature(model):
    """The same Keras model with softmax(logits) as the output, to train it further."""
    import keras
    from keras import layers
    return keras.Model(model.inputs, layers.Softmax(name="probabilities")(model.get_layer("logits").output),
                       name="digits")
