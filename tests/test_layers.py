"""The layers hold: every import in leadgate/ (read with ast, function-level ones
included) is checked against the rules below. Moving a module edits the table."""

from pathlib import Path

import leadgate

from .layers import Rule, violations

ROOT = Path(leadgate.__file__).parent

# Module (or package) → layer; the longest prefix decides.
LAYERS = {
    # The app factory and what stands above the features.
    "": "factory",
    "cli": "app",
    "cron": "app",
    "jobs": "app",
    "dev_stack": "app",
    "demo": "app",
    "demo_campaign": "app",
    "dev_mail": "app",
    "health": "app",
    "errors": "shared",
    "embedded": "app",
    # Features.
    "account": "feature",
    "admin": "feature",
    "automation": "feature",
    "auth": "feature",
    "campaigns": "feature",
    "channels": "feature",
    "consent": "feature",
    "contacts": "feature",
    "costs": "feature",
    "hours": "feature",
    "cookies": "feature",
    "inbox": "feature",
    "leadforms": "feature",
    "outbound": "feature",
    "privacy": "feature",
    "public": "feature",
    "routing": "feature",
    "reports": "feature",
    "sla": "feature",
    "teams": "feature",
    "webhooks": "feature",
    "workspaces": "feature",
    # Models and shared services.
    "models": "shared",
    "extensions": "shared",
    "config": "shared",
    "tenancy": "shared",
    "dbutil": "shared",
    "queue": "shared",
    "retry": "shared",
    "audit": "shared",
    "live": "shared",
    "media": "shared",
    "forms": "shared",
    "i18n": "shared",
    "htmx": "shared",
    "mail": "shared",
    "files": "shared",
    "phones": "shared",
    "security": "shared",
    "urls": "shared",
    "wording": "shared",
    "searchdoc": "shared",
    "crypto": "shared",
    "metrics": "shared",
    "navigation": "shared",
    "listing": "shared",
    "stash": "shared",
    "whatsapp": "shared",  # the Graph client and the webhook parser
    # Product code for `leadgate dev` and the tests, never for production.
    "whatsapp.emulator": "emulator",
}

RULES = [
    Rule("shared", "feature", "the shared layer imports no feature"),
    Rule("shared", "app", "the shared layer imports nothing above the features"),
    Rule("shared", "factory", "the shared layer never imports the app factory"),
    Rule("feature", "app", "a feature imports nothing above the features"),
    Rule("feature", "factory", "a feature never imports the app factory"),
    Rule("outbound", "webhooks", "outbound never imports webhooks"),
    Rule("consent", "outbound", "consent never imports outbound"),
    Rule("factory", "emulator", "only cli, dev_stack and demo import the emulator"),
    Rule(
        "app",
        "emulator",
        "only cli, dev_stack and demo import the emulator",
        allowed=("cli", "dev_stack", "demo", "demo_campaign"),
    ),
    Rule("feature", "emulator", "only cli, dev_stack and demo import the emulator"),
    Rule("shared", "emulator", "only cli, dev_stack and demo import the emulator"),
]


def test_leadgate_keeps_its_layers():
    assert violations(ROOT, "leadgate", LAYERS, RULES) == []


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checker_finds_planted_violations(tmp_path):
    """Each kind of import the rules must catch, in a small fake package."""
    root = tmp_path / "fakepkg"
    write(
        root,
        {
            "__init__.py": "def create_app():\n    pass\n",
            "queue.py": "def job():\n    from . import create_app\n",
            "media.py": "from .outbound.delivery import send\n",
            "outbound/__init__.py": "",
            "outbound/delivery.py": "from ..webhooks import statuses\n",
            "webhooks/__init__.py": "",
            "webhooks/statuses.py": "from ..outbound import delivery\n",
            "consent/__init__.py": "",
            "consent/keywords.py": "import fakepkg.outbound.delivery\n",
            "emulator/__init__.py": "",
            "cli.py": "from .emulator import run\n",
            "demo.py": "from fakepkg.emulator import run\n",
            "tenancy.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from .webhooks.statuses import x\n",
        },
    )
    layers = {
        "": "factory",
        "cli": "app",
        "demo": "app",
        "queue": "shared",
        "media": "shared",
        "tenancy": "shared",
        "outbound": "feature",
        "webhooks": "feature",
        "consent": "feature",
        "emulator": "emulator",
    }
    rules = [
        Rule("shared", "feature", "shared → feature"),
        Rule("shared", "factory", "shared → factory"),
        Rule("outbound", "webhooks", "outbound → webhooks"),
        Rule("consent", "outbound", "consent → outbound"),
        Rule("app", "emulator", "→ emulator", allowed=("cli",)),
    ]
    assert sorted(violations(root, "fakepkg", layers, rules)) == [
        "consent.keywords imports outbound.delivery: consent → outbound",
        "demo imports emulator: → emulator",
        "media imports outbound.delivery: shared → feature",
        "outbound.delivery imports webhooks.statuses: outbound → webhooks",
        "queue imports fakepkg: shared → factory",
        "tenancy imports webhooks.statuses: shared → feature",
    ]


def test_a_module_outside_the_table_is_reported(tmp_path):
    root = tmp_path / "fakepkg"
    write(root, {"__init__.py": "", "newthing.py": "import os\n"})
    assert violations(root, "fakepkg", {"": "factory"}, []) == [
        "newthing: in no layer of the table"
    ]
