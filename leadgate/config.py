"""Every setting LeadGate reads, with its default. Documented in README and .env.example."""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(
    os.environ.get("LEADGATE_INSTANCE_DIR") or PROJECT_ROOT / "instance"
)


def _env(name: str, default: str | None = None) -> str | None:
    """An environment variable; empty counts as unset (as in a copied .env.example)."""
    return os.environ.get(name) or default


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key() -> str:
    """Keep one generated key under instance/ so sessions survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _development_encryption_key() -> str:
    """Like the secret key: generated once, kept under instance/ (never in production)."""
    path = INSTANCE_DIR / "encryption_key"
    if not path.exists():
        from cryptography.fernet import Fernet

        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(url: str | None) -> str:
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'leadgate.sqlite3'}"
    # Accept the usual postgres:// and postgresql:// spellings and use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config() -> dict:
    """Read the configuration from the environment; fail fast on missing secrets."""
    env = _env("LEADGATE_ENV", "development")
    production = env == "production"
    secret_key = _env("SECRET_KEY")
    encryption_key = _env("ENCRYPTION_KEY")
    if production and not (secret_key and encryption_key):
        raise RuntimeError(
            "SECRET_KEY and ENCRYPTION_KEY must be set when LEADGATE_ENV=production"
        )
    redis_url = _env("REDIS_URL")
    return {
        "LEADGATE_ENV": env,
        "SECRET_KEY": secret_key or _development_secret_key(),
        # Fernet key(s) for secrets at rest; comma-separated, newest first, to rotate.
        "ENCRYPTION_KEY": encryption_key or _development_encryption_key(),
        "WHATSAPP_GRAPH_URL": _env(
            "WHATSAPP_GRAPH_URL", "https://graph.facebook.com/v25.0"
        ).rstrip("/"),
        "WHATSAPP_TIMEOUT_SECONDS": float(_env("WHATSAPP_TIMEOUT_SECONDS", "10")),
        "SQLALCHEMY_DATABASE_URI": _database_url(_env("DATABASE_URL")),
        # hide_parameters: a database error's message would otherwise quote the
        # statement's values (numbers, texts) into every logged traceback.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "REDIS_URL": redis_url,
        # Bearer token for GET /metrics (health.py); unset, /metrics answers 404.
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        # Jobs run in a worker; tests may run them inline (RQ is_async=False).
        "QUEUE_IS_ASYNC": _bool("QUEUE_IS_ASYNC", True),
        # Send pacing (outbound/pacing.py): Meta's throughput tier and pair rate limit.
        "WHATSAPP_RATE_PER_SECOND": float(_env("WHATSAPP_RATE_PER_SECOND") or 80),
        "WHATSAPP_PAIR_INTERVAL_SECONDS": float(
            _env("WHATSAPP_PAIR_INTERVAL_SECONDS") or 6
        ),
        "WHATSAPP_PAIR_BURST": int(_env("WHATSAPP_PAIR_BURST") or 10),
        # Cached-channel webhook POSTs answered by plain WSGI (webhooks/fast.py);
        # off only to measure what it saves (benchmarks/webhook_ingest.py).
        "WEBHOOK_FAST_PATH": _bool("WEBHOOK_FAST_PATH", True),
        # A webhook drain keeps polling this long after its last event, so a
        # steady stream is applied in few large batches instead of many jobs.
        "WEBHOOK_DRAIN_LINGER_SECONDS": float(
            _env("WEBHOOK_DRAIN_LINGER_SECONDS") or 0.2
        ),
        # The public address (links shown and mailed); required in production.
        # Unset (development), links use the address a page was opened at (urls.py).
        "BASE_URL": (_env("BASE_URL") or "").rstrip("/") or None,
        "MEDIA_DIR": _env("MEDIA_DIR", str(INSTANCE_DIR / "media")),
        "MAIL_SERVER": _env("MAIL_SERVER"),
        "MAIL_PORT": int(_env("MAIL_PORT", "587")),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_FROM": _env("MAIL_FROM", "LeadGate <no-reply@leadgate.example>"),
        "IMPRINT_NAME": _env("IMPRINT_NAME", "LeadGate, Inhaber: Milan Rauch"),
        "IMPRINT_ADDRESS": _env(
            "IMPRINT_ADDRESS", "Günnemannshof 2\n58454 Witten\nDeutschland"
        ).replace("\\n", "\n"),
        "IMPRINT_EMAIL": _env("IMPRINT_EMAIL", "info@leadgate.de"),
        "IMPRINT_PHONE": _env("IMPRINT_PHONE", "+49 2302 9313011"),
        "IMPRINT_VAT_ID": _env("IMPRINT_VAT_ID", ""),
        # Number of proxies in front of the app whose X-Forwarded-* headers we trust.
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_KEY_PREFIX": "leadgate-limits",
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": _env("LEADGATE_TIMEZONE", "Europe/Berlin"),
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": ["de", "en"],
        # The version of our cookie notice; a new version asks every visitor again.
        "COOKIE_POLICY_VERSION": "2025-12-31",
        "PRIVACY_POLICY_DATE": "31.12.2025",
        "INVITE_VALID_DAYS": 7,
        # Platform-wide retention (days), applied by the nightly purge.
        "ACCESS_LOG_RETENTION_DAYS": int(_env("ACCESS_LOG_RETENTION_DAYS") or 90),
        # Proof of a cookie choice for as long as a claim could be made (§ 195 BGB).
        "COOKIE_CONSENT_RETENTION_DAYS": int(
            _env("COOKIE_CONSENT_RETENTION_DAYS") or 3 * 365
        ),
        "INQUIRY_RETENTION_DAYS": int(_env("INQUIRY_RETENTION_DAYS") or 180),
        "DELETED_ACCOUNT_GRACE_DAYS": int(_env("DELETED_ACCOUNT_GRACE_DAYS") or 30),
        # Ended logins and remembered devices stay this long for the account's
        # own review and abuse checks (auth/sessions.py, auth/devices.py).
        "ENDED_SESSION_RETENTION_DAYS": int(_env("ENDED_SESSION_RETENTION_DAYS") or 30),
        "PASSWORD_RESET_VALID_SECONDS": 60 * 60,
        "EMAIL_CHANGE_VALID_SECONDS": 60 * 60 * 24,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    }


def require_production_services(config: dict) -> None:
    """Refuse to run production without Redis or without its public address (BASE_URL).

    Without REDIS_URL every process gets a private in-memory queue that no worker
    reads: mails, sends and webhook drains enqueued there are silently lost. That
    embedded queue is for `leadgate dev` and the tests (TESTING) only.
    """
    if config["LEADGATE_ENV"] != "production" or config.get("TESTING"):
        return
    if not config.get("REDIS_URL"):
        raise RuntimeError(
            "REDIS_URL must be set when LEADGATE_ENV=production: without Redis, "
            "queued mails, sends and webhook processing would be lost "
            "(the in-memory queue is only for `leadgate dev` and tests)"
        )
    if not config.get("BASE_URL"):
        raise RuntimeError(
            "BASE_URL must be set when LEADGATE_ENV=production: links in mails "
            "and on pages (invites, password resets, lead forms, the webhook URL) "
            "name the public address, never one taken from a request's Host header"
        )
