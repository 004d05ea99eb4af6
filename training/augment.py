"""Batch augmentation for training: what people do that MNIST's writers did not."""

import numpy as np

from webapp.reading.preprocess import MNIST_SIZE


def make_augment(stroke=True):
    """Batch augmentation: what people do that MNIST's writers did not.

    Small rotations, scaling, shear and shifts; strokes thinner or thicker than MNIST's
    (a 2x upsampled image eroded or dilated by one pixel, then pooled back).
    """
    import tensorflow as tf

    size = MNIST_SIZE
    centre = (size - 1) / 2.0

    def affine(images):
        n = tf.shape(images)[0]
        angle = tf.random.uniform([n], -10.0, 10.0) * np.pi / 180.0
        scale = tf.random.uniform([n], 0.9, 1.1)
        aspect = tf.random.uniform([n], 0.93, 1.07)
        shear = tf.random.uniform([n], -0.12, 0.12)
        shift = tf.random.uniform([n, 2], -2.0, 2.0)
        cos, sin = tf.cos(angle), tf.sin(angle)
        sx, sy = 1.0 / (scale * aspect), aspect / scale  # output -> input coordinates
        a0, a1 = cos * sx, (cos * shear - sin) * sy
        b0, b1 = sin * sx, (sin * shear + cos) * sy
        a2 = centre - a0 * centre - a1 * centre + shift[:, 0]
        b2 = centre - b0 * centre - b1 * centre + shift[:, 1]
        zeros = tf.zeros([n])
        transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=images, transforms=transforms, output_shape=[size, size], fill_value=0.0,
            interpolation="BILINEAR", fill_mode="CONSTANT")

    def strokes(images):
        n = tf.shape(images)[0]
        big = tf.image.resize(images, [2 * size, 2 * size], method="bilinear")
        thin = -tf.nn.max_pool2d(-big, 3, 1, "SAME")
        thick = tf.nn.max_pool2d(big, 3, 1, "SAME")
        thicker = tf.nn.max_pool2d(big, 5, 1, "SAME")
        u = tf.random.uniform([n, 1, 1, 1])
        big = tf.where(u < 0.15, thin, tf.where(u < 0.7, big, tf.where(u < 0.93, thick, thicker)))
        return tf.nn.avg_pool2d(big, 2, 2, "VALID")

    def augment(images, labels):
        images = affine(images)
        if stroke:
            images = strokes(images)
        return tf.clip_by_value(images, 0.0, 1.0), labels

    return augment


def make_dataset(x, y, batch_size, seed, augment=None, weights=None):
    """Shuffled batches of (x, y), or (x, y, weights) with per-sample loss weights; with
    `augment` (make_augment's), each batch's images changed anew."""
    import tensorflow as tf
    parts = (x, y) if weights is None else (x, y, np.asarray(weights, np.float32))
    ds = tf.data.Dataset.from_tensor_slices(parts).shuffle(len(x), seed=seed).batch(batch_size)
    if augment is not None:
        ds = ds.map(lambda images, labels, *rest: (*augment(images, labels), *rest),
                    num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
