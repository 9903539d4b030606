"""The WSGI entry point: gunicorn wsgi:app."""

from followup import create_app

app = create_app()
