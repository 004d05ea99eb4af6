"""The reading: image bytes (and the pen's strokes) in, digits out. Pure arrays in and
out: no Flask, no HTTP, no database, so the API, the CLI, training and the benchmarks
all read a drawing through the same code.

    pipeline.py        image bytes -> Result: preprocessing, segmentation, the networks, the verdict
    preprocess.py      reading the ink; MNIST's 28x28 geometry
    png.py             the fast PNG reader and writer for canvas exports
    segment.py         a drawn number -> its digits (the rules written out in segment.RULES)
    pen_path.py        the pen's path as numbers: the stroke reader's input, each piece's own strokes
    classifier.py      the networks behind one loader (LiteRT, or TensorFlow for .keras)
    stroke_reader.py   the stroke reader and the strokes gate; joining its answer to the digit model's
    verdict.py         "not a digit": the gate, its thresholds and `beside`, the joint rule
    explain_model.py   the explain model (/api/explain): what each layer makes of one input
    insight.py         an explanation as small PNGs and lists (pure numpy)
"""
