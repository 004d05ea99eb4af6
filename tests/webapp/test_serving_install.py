"""webapp/ runs on a serving-only install (requirements.txt): nothing it imports needs
TensorFlow, the training code or the test tools; and webapp/reading/ needs no web framework."""

import subprocess
import sys

from webapp import ROOT

NOT_SERVED = ("tensorflow", "keras", "skimage", "matplotlib", "training", "bench", "playwright", "pytest")

PROBE = f"""
import importlib, pkgutil, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {NOT_SERVED!r}:
            raise ImportError("not in the serving install: " + name)
sys.meta_path.insert(0, Refuse())
import webapp
names = [module.name for module in pkgutil.walk_packages(webapp.__path__, "webapp.")]
assert {{"webapp.reading.pipeline", "webapp.web.api", "webapp.serving.workers", "webapp.store.database"}} <= set(names), names
for name in names:
    importlib.import_module(name)
app = webapp.create_app()
client = app.test_client()
assert client.get("/healthz").status_code == 200
assert client.get("/").status_code == 200
"""


def test_webapp_imports_and_serves_without_training_packages():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


# The reading is pure arrays in and out: importing every module of it loads no web framework.
READING_PROBE = """
import importlib, pkgutil, sys
import webapp.reading
names = [module.name for module in pkgutil.walk_packages(webapp.reading.__path__, "webapp.reading.")]
assert "webapp.reading.pipeline" in names, names
for name in names:
    importlib.import_module(name)
loaded = sorted({name.split(".")[0] for name in sys.modules} & {"flask", "werkzeug", "click", "jinja2", "gevent", "sqlalchemy"})
assert not loaded, loaded
"""


def test_the_reading_imports_no_web_framework():
    done = subprocess.run([sys.executable, "-c", READING_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
