"""Everything measured about a trained model, as written to metrics.json and printed."""

import platform

import numpy as np

from training import calibration, evaluation, people
from webapp.reading.classifier import load_classifier


def member_runs(training):
    """Each trained network's history and best epoch (a report of one network may keep
    them at the top level, as reports did before ensembles)."""
    return training.get("members") or [{"epochs_run": training["epochs_run"], "best_epoch": training["best_epoch"],
                                        "history": training["history"]}]



def measure(model, training, val_data, test_data, args, writing=None):
    """Everything measured about a trained model; the test set and the held-out writers
    (`writing["held_out"]`, people's pen digits drawn as the page draws them) are read
    here only. The "not a digit" thresholds keep 99.5 % of real drawn digits
    (evaluation.KEEP_REAL): re-drawn MNIST validation digits and, when given, the
    validation writers' digits. Everything is measured as the server reads it: through
    `args.out`'s digits.tflite."""
    served = load_classifier(args.out / "digits.tflite")

    def predict(x):
        return evaluation.predict_all(served, x)

    x_test, y_test = test_data
    probabilities = predict(x_test)
    temperature = training["temperature"]
    drawings = args.drawings or (1000 if args.limit is None else 50)   # re-drawn digits per measurement
    # the "not a digit" thresholds sit among the rarest confidences (evaluation.number_thresholds):
    # they are set on five times as many drawings (all 5,000 validation digits by default) and
    # tested on as many
    rare = 5 * drawings
    # validation digits as MNIST has them, and re-drawn as people draw them on the canvas
    val_p, val_y = predict(val_data[0]), val_data[1]
    drawn_inputs, chosen = evaluation.randomly_drawn(val_data[0], np.random.default_rng(args.seed), rare)
    drawn_p, drawn_y = predict(drawn_inputs), val_data[1][chosen]
    real_p = drawn_p if writing is None else np.concatenate([drawn_p, predict(writing["validation"][0])])
    metrics = {
        "test": evaluation.classification_report(probabilities, y_test),
        "drawn_test_digits": evaluation.drawn_digits_report(predict, x_test, y_test, drawings // 4, args.seed),
        "calibration": {
            "temperature": temperature,
            "validation": evaluation.calibration(calibration.undo_temperature(val_p, temperature), val_y, temperature),
            "drawn_validation": evaluation.calibration(calibration.undo_temperature(drawn_p, temperature), drawn_y,
                                                       temperature)},
        "rejection": evaluation.rejection_report(predict, real_p, test_data, args.seed, rare, drawings // 5),
        "parameters": int(model.count_params()),
        "training": training,
        "versions": library_versions(),
    }
    if writing is not None:
        metrics["people"] = people_report(predict, writing, metrics["rejection"], temperature)
    return metrics, probabilities


def people_report(predict, writing, rejection, temperature):
    """Held-out writers: accuracy per digit and writer, calibration, and how many of their
    digits (and numbers, at each length's threshold) the "not a digit" rule keeps."""
    x, y, writers = writing["held_out"]
    p = predict(x)
    confidence = p.max(axis=1)
    return {
        "held_out": people.writer_report(p, y, writers),
        "calibration": evaluation.calibration(calibration.undo_temperature(p, temperature), y, temperature),
        "accepted": {str(row["digits"]): round(float((confidence >= row["threshold"]).mean() ** row["digits"]), 4)
                     for row in rejection["in_numbers"]},
    }


def print_summary(metrics, out):
    test, training, rejection = metrics["test"], metrics["training"], metrics["rejection"]
    size_mb = (out / "digits.keras").stat().st_size / 1e6
    print(f"\n== summary ==\n"
          f"test accuracy   {test['accuracy'] * 100:.2f} %   (loss {test['loss']:.4f}, "
          f"{metrics['data']['test']} digits, {test['errors']} errors)\n"
          f"drawn digits    {metrics['drawn_test_digits']['accuracy'] * 100:.2f} %   "
          f"(MNIST test digits re-drawn at other sizes and brush widths)\n"
          + (f"held-out people {metrics['people']['held_out']['accuracy'] * 100:.2f} %   "
             f"({metrics['people']['held_out']['count']} pen digits of writers never trained on, drawn as the page draws)\n"
             if "people" in metrics else "") +
          f"calibration     temperature {training['temperature']:.3f}, validation ECE "
          f"{metrics['calibration']['validation']['before']['ece']:.4f} -> "
          f"{metrics['calibration']['validation']['after']['ece']:.4f}\n"
          f"not-a-digit     below {rejection['threshold']:.3f} confidence: digits accepted "
          f"{rejection['digits_accepted'] * 100:.1f} %, non-digits rejected "
          f"{rejection['nondigits_rejected'] * 100:.1f} %\n"
          f"epochs          " + ", ".join(f"{run['epochs_run']} (best {run['best_epoch']})"
                                            for run in member_runs(training)) +
          f", {training['training_seconds'] / 60:.1f} min\n"
          f"model           {out / 'digits.keras'} ({size_mb:.2f} MB, {metrics['parameters']:,} parameters)")


def reproduce_command(args):
    """The command that trains this model again (where the output goes does not matter)."""
    words = ["python train.py", f"--data {args.data.name}" if args.data else "",
             f"--epochs {args.epochs}", f"--seed {args.seed}",
             f"--members {args.members}" if args.members > 1 else "",
             f"--patience {args.patience}" if getattr(args, "patience", 10) != 10 else "",
             f"--batch-size {args.batch_size}" if getattr(args, "batch_size", 128) != 128 else "",
             f"--limit {args.limit}" if args.limit else "",
             "--no-augment" if args.no_augment else "", "--no-stroke-augment" if args.no_stroke_augment else "",
             f"--pen {args.pen.name} --pen-copies {args.pen_copies} --styled {args.styled}" if args.pen else "",
             "--pen-vary" if getattr(args, "pen_vary", False) else "",
             f"--pen-restyle {args.pen_restyle}" if args.pen and getattr(args, "pen_restyle", 0) else "",
             f"--nondigits {args.nondigits}" if args.nondigits else "",
             f"--extra {args.extra.name}" if args.extra else "",
             f"--start-from {args.start_from.name}" if args.start_from else "",
             "--freeze-norm" if getattr(args, "freeze_norm", False) else "",
             f"--peak-rate {args.peak_rate}" if args.peak_rate != 1e-3 else "",
             f"--teacher {args.teacher.parent.name}/{args.teacher.name}" if getattr(args, "teacher", None) else "",
             f"--people-teacher {args.people_teacher.parent.name}/{args.people_teacher.name}"
             if getattr(args, "people_teacher", None) else "",
             f"--teacher-share {args.teacher_share:g} --teacher-temperature {args.teacher_temperature:g}"
             if getattr(args, "teacher", None) or getattr(args, "people_teacher", None) else "",
             "--combine " + " ".join(f"{path.parent.name}/{path.name}" for path in args.combine) if args.combine else "",
             "--combine-weights " + " ".join(f"{w:g}" for w in args.combine_weights) if args.combine_weights else ""]
    return " ".join(w for w in words if w)


def library_versions():
    import keras
    import PIL
    import tensorflow as tf
    return {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "pillow": PIL.__version__}
