"""Training and evaluation, beside train.py: MNIST data and augmentation, temperature
scaling, digits re-drawn as canvas strokes (synth) and drawings that are not digits
(nondigits) to measure the whole reading path on, the model's report and its pictures.
Nothing here is served; webapp/ never imports it."""
