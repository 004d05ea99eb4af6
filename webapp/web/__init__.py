"""The app's front doors: the HTTP blueprints and the `flask` command that reads files.
Each turns a request into a call on the reading (webapp.reading) or the feedback store
(webapp.store) and writes the answer; no reading logic lives here.

    api.py        POST /api/predict, POST /api/explain, GET /healthz
    payload.py    the image and strokes of a request, validated: /api/predict and /api/feedback alike
    feedback.py   POST /api/feedback (a person confirms or corrects), GET /api/today
    pages.py      the drawing page
    kiosk.py      GET /kiosk, its web app manifest and service worker
    stats.py      the team's view: GET /stats, /api/stats, behind admin.py's token
    admin.py      the admin token check
    cli.py        flask --app webapp predict FILE...
"""
