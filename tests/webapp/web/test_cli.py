"""`flask --app webapp predict FILE...` on real image files."""


import numpy as np
from PIL import Image

from training import synth
from webapp.web.cli import predict_command


def test_predict_files_dark_on_light_light_on_dark_and_broken(app, tmp_path, mnist_sample):
    x, y = mnist_sample["x_test"], mnist_sample["y_test"]
    three = x[np.flatnonzero(y == 3)[0]]
    big = np.asarray(Image.fromarray(three).resize((300, 300), Image.BICUBIC))
    Image.fromarray(255 - big).convert("RGB").save(tmp_path / "scan.jpg", quality=90)      # dark ink, light paper
    Image.fromarray(big).save(tmp_path / "chalk.png")                                    # light ink, dark board
    (tmp_path / "canvas.png").write_bytes(synth.png_bytes(synth.render(three / 255.0, 250, 20)))
    (tmp_path / "notes.txt").write_text("not an image")

    files = [tmp_path / n for n in ("scan.jpg", "notes.txt", "chalk.png", "missing.png", "canvas.png")]
    result = app.test_cli_runner().invoke(predict_command, [str(f) for f in files])
    lines = result.output.splitlines()   # stdout and stderr, interleaved
    by_file = {f.name: next(line for line in lines if line.startswith(str(f))) for f in files}
    for name in ("scan.jpg", "chalk.png", "canvas.png"):
        assert ": 3" in by_file[name] and "confidence" in by_file[name], by_file[name]
    assert "error" in by_file["notes.txt"] and "not an image" in by_file["notes.txt"]
    assert "error" in by_file["missing.png"]
    assert result.exit_code == 1   # some files could not be read
