"""Counting feedback: how often the app was right, overall, per digit, and what it read
each digit as. Pure functions over (answer, label, ...) rows; no database, no HTTP.

A drawing is right when the answer is the label. Digit by digit, an answer of the label's
length is compared place by place; an answer of another length (a digit missed or one
too many) counts every digit of the label wrong and is left out of the confusion.
"""

DIGITS = "0123456789"
ANSWERS = DIGITS + "?"   # the confusion's columns: "?" is a piece read as "not a digit"


def summary(rows):
    """{"drawings", "right", "accuracy", "digits", "digits_right", "digit_accuracy"} of rows
    whose first two fields are (answer, label)."""
    drawings = right = digits = digits_right = 0
    for answer, label, *_ in rows:
        drawings += 1
        right += answer == label
        digits += len(label)
        if len(answer) == len(label):
            digits_right += sum(a == b for a, b in zip(answer, label))
    return {"drawings": drawings, "right": right, "accuracy": _ratio(right, drawings),
            "digits": digits, "digits_right": digits_right, "digit_accuracy": _ratio(digits_right, digits)}


def per_digit(rows):
    """For each true digit 0-9: how many were drawn and how many the app read right."""
    count = dict.fromkeys(DIGITS, 0)
    right = dict.fromkeys(DIGITS, 0)
    for answer, label, *_ in rows:
        aligned = len(answer) == len(label)
        for i, digit in enumerate(label):
            count[digit] += 1
            right[digit] += aligned and answer[i] == digit
    return [{"digit": int(d), "count": count[d], "right": right[d], "accuracy": _ratio(right[d], count[d])}
            for d in DIGITS]


def confusion(rows):
    """counts[true digit][read as] over the digits of answers of the label's length; and how
    many drawings were read as a number of another length."""
    counts = [[0] * len(ANSWERS) for _ in DIGITS]
    other_length = 0
    for answer, label, *_ in rows:
        if len(answer) != len(label):
            other_length += 1
            continue
        for read, meant in zip(answer, label):
            counts[int(meant)][ANSWERS.index(read)] += 1
    return {"labels": list(DIGITS), "answers": list(ANSWERS), "counts": counts, "other_length": other_length}


def _ratio(part, whole):
    return round(part / whole, 4) if whole else None
