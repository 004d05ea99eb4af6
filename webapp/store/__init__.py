"""The feedback store: the drawings visitors confirmed or corrected, kept for retraining.

    database.py   the one table, in SQLite or PostgreSQL (SQLAlchemy Core)
    tally.py      counting what was kept: accuracy per day, per digit, the confusion
    commands.py   flask --app webapp feedback export OUT.npz | purge (for train.py --extra)

A room of its own, not part of webapp.web: it is neither HTTP nor reading. Two
blueprints write and count through it (web/feedback.py, web/stats.py), and its export
command feeds training; what it keeps, and how, is looked for here rather than among
the routes. Its tests are tests/feedback/.
"""
