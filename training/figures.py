"""The model card's pictures: training curves, confusion matrix, misclassified digits,
reliability, "not a digit" confidences and the non-digits still read as digits, sample
predictions."""

import numpy as np

from training.report import member_runs
from webapp.reading.classifier import NUM_CLASSES


def plot_report(metrics, probabilities, x_test, y_test, out):
    """Training curves, confusion matrix, misclassified digits, sample predictions."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = member_runs(metrics["training"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key in zip(axes, ("accuracy", "loss")):
        for i, run in enumerate(runs):
            history, name = run["history"], f"network {i + 1}: " if len(runs) > 1 else ""
            epochs = np.arange(1, len(history[key]) + 1)
            line, = ax.plot(epochs, history[key], label=f"{name}train (augmented)", alpha=0.6)
            ax.plot(epochs, history["val_" + key], label=f"{name}validation", color=line.get_color())
            ax.axvline(run["best_epoch"], color=line.get_color(), linestyle=":", label=f"{name}best epoch (kept)")
        if key == "loss":
            ax.set_yscale("log")
        ax.set(xlabel="epoch", ylabel=key, title=key)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "training_curves.png", dpi=100)
    plt.close(fig)

    confusion = np.array(metrics["test"]["confusion_matrix"])
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    shown = np.where(np.eye(NUM_CLASSES, dtype=bool), 0, confusion)  # colour the errors only
    ax.imshow(shown, cmap="Reds")
    for (i, j), v in np.ndenumerate(confusion):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=8, color="black" if i != j else "#1a5fb4")
    ax.set(xticks=range(NUM_CLASSES), yticks=range(NUM_CLASSES), xlabel="predicted", ylabel="true",
           title=f"MNIST test confusion ({metrics['test']['errors']} errors)")
    fig.tight_layout()
    fig.savefig(out / "confusion_matrix.png", dpi=100)
    plt.close(fig)

    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_test)
    cols = 10
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.45), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(x_test[i, ..., 0], cmap="gray")
        ax.set_title(f"{y_test[i]}→{predicted[i]} {probabilities[i].max():.2f}", fontsize=8)
    fig.suptitle("misclassified test digits: true→predicted confidence", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "misclassified.png", dpi=100)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, key, title in ((axes[0], "validation", "MNIST validation digits"),
                           (axes[1], "drawn_validation", "validation digits re-drawn on the canvas")):
        for when, style in (("before", "o--"), ("after", "s-")):
            bins = metrics["calibration"][key][when]["bins"]
            ece = metrics["calibration"][key][when]["ece"]
            ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], style,
                    label=f"{when} temperature scaling (ECE {ece:.4f})")
        ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, label="perfect calibration")
        ax.set(xlabel="confidence shown", ylabel="fraction right", title=title, xlim=(0, 1.02), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"reliability (temperature {metrics['calibration']['temperature']:.3f})", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "calibration.png", dpi=100)
    plt.close(fig)

    rejection = metrics["rejection"]
    fig, ax = plt.subplots(figsize=(7.5, 4))
    bins = np.linspace(0, 1, 41)
    for kind, values in rejection["confidences"].items():
        ax.hist(values, bins=bins, histtype="step", linewidth=1.6, density=True, label=kind)
    ax.axvline(rejection["threshold"], color="black", linestyle=":",
               label=f"reject below {rejection['threshold']:.2f}")
    four = rejection["in_numbers"][min(3, len(rejection["in_numbers"]) - 1)]
    ax.axvline(four["threshold"], color="grey", linestyle="--",
               label=f"in a {four['digits']}-digit number: below {four['threshold']:.2f}")
    ax.set(xlabel="highest probability", ylabel="density", yscale="log",
           title=f"not a digit? digits accepted {rejection['digits_accepted']:.1%}, "
                 f"non-digits rejected {rejection['nondigits_rejected']:.1%}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "rejection.png", dpi=100)
    plt.close(fig)
    plot_missed(rejection.get("missed", []), out / "rejection_missed.png")

    rng = np.random.default_rng(0)
    sample = rng.choice(len(x_test), size=min(8, len(x_test)), replace=False)
    fig, axes = plt.subplots(2, len(sample), figsize=(len(sample) * 1.6, 3.4),
                             gridspec_kw={"height_ratios": [1, 1]}, squeeze=False)
    for k, i in enumerate(sample):
        axes[0, k].imshow(x_test[i, ..., 0], cmap="gray")
        axes[0, k].axis("off")
        axes[0, k].set_title(f"{predicted[i]} ({probabilities[i].max():.0%})", fontsize=9)
        colours = ["#1a5fb4" if d == predicted[i] else "#999999" for d in range(NUM_CLASSES)]
        axes[1, k].bar(range(NUM_CLASSES), probabilities[i], color=colours)
        axes[1, k].set(ylim=(0, 1), xticks=range(NUM_CLASSES), yticks=[])
        axes[1, k].tick_params(labelsize=6)
    fig.suptitle("sample predictions with their confidence bars", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "sample_predictions.png", dpi=100)
    plt.close(fig)


def plot_missed(missed, path, cols=10):
    """Non-digit drawings the app still reads as a digit: each with its kind, what it was
    read as and how surely (entries of the rejection report's `missed`)."""
    import base64
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    rows = max(1, int(np.ceil(len(missed) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.25, rows * 1.5), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, entry in zip(axes.ravel(), missed):
        ax.imshow(Image.open(io.BytesIO(base64.b64decode(entry["picture"]))), cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{entry['kind']}\n→ {entry['read']} {entry['confidence']:.2f}", fontsize=7)
    fig.suptitle("not digits, still read as one: kind → read as, confidence"
                 + ("" if missed else " (none)"), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
