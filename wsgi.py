"""WSGI entry point for production: `gunicorn wsgi:app`."""

from leadgate import create_app

app = create_app()
