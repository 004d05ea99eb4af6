"""The server plumbing around the app: what gunicorn runs and what every response gets.
Nothing here knows what a digit is.

    workers.py         gunicorn's gevent worker, made fair between connections and workers
                       (gunicorn.conf.py names webapp.serving.workers.FairGeventWorker)
    body_deadline.py   a request body must arrive in time, or 408
    headers.py         security headers (strict CSP) on every response
    requestlog.py      one log line per request
"""
