"""The task lab's built-in tasks as a real Celery 5 app, for the interop tests: a real worker
runs what distlab sends, and a real client sends what a distlab worker runs. The broker and the
result backend are the Redis named by DISTLAB_REDIS (redis://HOST:PORT/DB)."""
import os
import random
import time

from celery import Celery

url = os.environ.get("DISTLAB_REDIS", "redis://127.0.0.1:6379/0")
app = Celery("lab", broker=url, backend=url)
app.conf.update(
    task_acks_late=os.environ.get("DISTLAB_ACKS_LATE") == "1",
    worker_prefetch_multiplier=1,
    broker_transport_options={"visibility_timeout": float(os.environ.get("DISTLAB_VISIBILITY", "3600"))},
)


@app.task(name="add")
def add(x, y):
    return x + y


@app.task(name="mul")
def mul(x, y):
    return x * y


@app.task(name="sleep")
def sleep(seconds):
    time.sleep(seconds)


@app.task(name="fail")
def fail():
    raise ValueError("fail always fails")


@app.task(name="flaky")
def flaky(p):
    if random.random() < p:
        raise ConnectionError("flaky failed")
    return True
