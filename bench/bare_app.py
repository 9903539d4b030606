"""The yardstick for the participant benchmark: a Flask app whose only page returns a short string."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """Return a short string."""
    return "ok"
