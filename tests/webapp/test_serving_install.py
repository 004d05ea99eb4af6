"""webapp/ runs on a serving-only install (requirements.txt): nothing it imports needs
TensorFlow, the training code or the test tools."""

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
for module in pkgutil.iter_modules(webapp.__path__):
    importlib.import_module("webapp." + module.name)
app = webapp.create_app()
client = app.test_client()
assert client.get("/healthz").status_code == 200
assert client.get("/").status_code == 200
"""


def test_webapp_imports_and_serves_without_training_packages():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
