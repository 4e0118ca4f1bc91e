"""The production app loads nothing of the Cloud API emulator.

The emulator is product code for `leadgate dev`, `leadgate emulator`, the demo and
the tests; `cli.py` registers those commands on every app, so it imports the
emulator (and `dev_stack`, `demo`) inside them. tests/test_layers.py checks the
imports as written; this test checks what a real production start loads.
"""

import os
import subprocess
import sys
from pathlib import Path

import leadgate

ROOT = Path(leadgate.__file__).parent.parent

# Runs in a fresh interpreter: sys.modules of the test process has the emulator.
SCRIPT = """
import sys

def loaded(prefix):
    return sorted(m for m in sys.modules if m == prefix or m.startswith(prefix + "."))

import wsgi  # what `gunicorn wsgi:app` runs

assert wsgi.app.config["LEADGATE_ENV"] == "production"
response = wsgi.app.test_client().get("/impressum")
assert response.status_code == 200, response.status_code
for name in ("leadgate.whatsapp.emulator", "leadgate.dev_stack", "leadgate.demo"):
    assert not loaded(name), loaded(name)

# The check sees the emulator once something does load it.
import leadgate.dev_stack
assert loaded("leadgate.whatsapp.emulator")
print("ok")
"""


def test_production_app_never_imports_the_emulator(database_url):
    env = {
        **os.environ,
        "LEADGATE_ENV": "production",
        "SECRET_KEY": "x" * 64,
        "ENCRYPTION_KEY": "8iJc1cC3n0Yl1k7yVqCwS8oYpQZb0m5Jm2f3t4u5v6w=",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "BASE_URL": "https://leadgate.example",
        "DATABASE_URL": database_url,
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
