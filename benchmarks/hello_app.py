"""The reference: a bare Flask app answering "hello", served like LeadGate."""

from flask import Flask

app = Flask(__name__)


@app.post("/hello")
@app.get("/hello")
def hello():
    return "hello"
