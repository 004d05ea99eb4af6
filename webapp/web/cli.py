"""`flask --app webapp predict FILE...`: read the digit in image files (photos, scans,
exported drawings), with the same preprocessing and model as the server."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from webapp.reading import preprocess


@click.command("predict")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_appcontext
def predict_command(files):
    """Print the digit and its confidence for each image FILE."""
    reader = current_app.extensions["reader"]
    failures = 0
    for path in files:
        try:
            result = reader.read(path.read_bytes())
        except (OSError, preprocess.PreprocessError) as error:
            failures += 1
            message = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            click.echo(f"{path}: error: {message}", err=True)
            continue
        reading = result.whole
        if not reading.is_digit:
            click.echo(f"{path}: not a digit  (best guess {reading.digit}, confidence {reading.confidence:.1%})")
            continue
        guess = f"{reading.digit}?" if reading.uncertain else str(reading.digit)
        extra = f" (or {reading.runner_up})" if reading.uncertain else ""
        number = f"  number {result.number}" if len(result.digits) > 1 else ""
        click.echo(f"{path}: {guess}  confidence {reading.confidence:.1%}{extra}{number}")
    if failures:
        raise SystemExit(1)


def register(app):
    app.cli.add_command(predict_command)
