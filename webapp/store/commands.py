"""`flask --app webapp feedback export OUT.npz` and `flask --app webapp feedback purge`:
the kept drawings as training digits, and forgetting them all."""

from pathlib import Path

import click
import numpy as np
from flask import current_app
from flask.cli import AppGroup

from webapp.reading import preprocess

group = AppGroup("feedback", help="The drawings visitors confirmed or corrected.")


def training_digits(reader, drawings):
    """28x28 uint8 digits and their labels from (id, image, strokes, label) rows, each
    drawing read through the server's own preprocessing and segmentation; a drawing is kept
    only where it splits into as many digits as its label has. -> (x, y, kept, skipped)."""
    x, y, kept, skipped = [], [], 0, 0
    for _row_id, image, strokes, label in drawings:
        try:
            result = reader.read(image, strokes)
        except preprocess.PreprocessError:
            skipped += 1
            continue
        if len(result.digits) != len(label):
            skipped += 1
            continue
        kept += 1
        for reading, digit in zip(result.digits, label):
            x.append(np.clip(np.rint(reading.pixels * 255), 0, 255).astype(np.uint8))
            y.append(int(digit))
    side = preprocess.MNIST_SIZE
    return (np.stack(x) if x else np.zeros((0, side, side), np.uint8), np.array(y, dtype=np.uint8),
            kept, skipped)


@group.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export_command(out):
    """Write the kept drawings to OUT.npz as x (N, 28, 28) uint8 and y (N,): for train.py --extra."""
    store = current_app.extensions["store"]
    x, y, kept, skipped = training_digits(current_app.extensions["reader"], store.drawings())
    np.savez_compressed(out, x=x, y=y)
    click.echo(f"{out}: {len(y)} digits from {kept} drawings kept; {skipped} drawings skipped "
               "(unreadable, or not split into as many digits as their label has)")


@group.command("purge")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def purge_command(yes):
    """Delete every kept drawing."""
    store = current_app.extensions["store"]
    count = store.count()
    if not yes:
        click.confirm(f"Delete all {count} kept drawings from {store.url}?", abort=True)
    click.echo(f"deleted {store.purge()} drawings")


def register(app):
    app.cli.add_command(group)
