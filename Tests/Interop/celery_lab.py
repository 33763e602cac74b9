"""The task lab's built-in tasks as a real Celery 5 app, for the interop and fidelity tests: a
real worker runs what distlab sends, and a real client sends what a distlab worker runs. The
broker and the result backend are the Redis named by DISTLAB_REDIS (redis://HOST:PORT/DB). Every
run appends its task id to the Redis list `distlab.runs` as it starts, so a test counts runs —
duplicates included — as the lab's trace counts them. `flaky` retries its ConnectionError as
the lab's worker does, `max_retries` and `default_retry_delay` from DISTLAB_MAX_RETRIES and
DISTLAB_RETRY_DELAY (seconds), Celery's own 3 and 180 when unset."""
import os
import random
import time

from celery import Celery

url = os.environ.get("DISTLAB_REDIS", "redis://127.0.0.1:6379/0")
app = Celery("lab", broker=url, backend=url)
app.conf.update(
    task_acks_late=os.environ.get("DISTLAB_ACKS_LATE") == "1",
    worker_prefetch_multiplier=int(os.environ.get("DISTLAB_PREFETCH", "4")),
    broker_transport_options={
        "visibility_timeout": float(os.environ.get("DISTLAB_VISIBILITY", "3600")),
        "unacked_restore_interval": float(os.environ.get("DISTLAB_RESTORE_INTERVAL", "10")),
        "unacked_restore_throttle": int(os.environ.get("DISTLAB_RESTORE_THROTTLE", "10")),
    },
)


if os.environ.get("DISTLAB_BEAT_EVERY"):
    # One periodic entry, as the lab's `beat add tick add 1 1 --every D`.
    app.conf.beat_schedule = {
        "tick": {"task": "add", "schedule": float(os.environ["DISTLAB_BEAT_EVERY"]), "args": (1, 1)},
    }


def seconds(text):
    """Seconds as Celery's task options take them: a whole number stays an int (Celery's own
    default_retry_delay is 180), so the worker says "Retry in 2s" as the lab's does."""
    n = float(text)
    return int(n) if n.is_integer() else n


def started(task):
    app.backend.client.rpush("distlab.runs", task.request.id)


@app.task(name="add", bind=True)
def add(self, x, y):
    started(self)
    return x + y


@app.task(name="mul", bind=True)
def mul(self, x, y):
    started(self)
    return x * y


@app.task(name="sleep", bind=True)
def sleep(self, seconds):
    started(self)
    time.sleep(seconds)


@app.task(name="fail", bind=True)
def fail(self):
    started(self)
    raise ValueError("fail always fails")


@app.task(
    name="flaky",
    bind=True,
    autoretry_for=(ConnectionError,),
    max_retries=int(os.environ.get("DISTLAB_MAX_RETRIES", "3")),
    default_retry_delay=seconds(os.environ.get("DISTLAB_RETRY_DELAY", "180")),
)
def flaky(self, p):
    started(self)
    if random.random() < p:
        raise ConnectionError("flaky failed")
    return True
