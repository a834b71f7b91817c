"""Background jobs: the one job model (Job, and its states) that transfer and the SQL editor share.

`Job` is what every background job has: an id, an owner (the session), a state, when it started and
finished, a cancel flag. `ProgressJob` is a long transfer job (import, export, dump, compare) with
counts of rows and bytes; the SQL editor's `QueryJob` (core.services.query.model) adds statements
and results. Both end in DONE, FAILED or CANCELLED; a query can wait in CONFIRM for the user.

A progress job runs in its own thread so it never holds the request worker pool; the UI polls
GET /api/jobs/<id>. The work function receives the Job and calls `job.progress(...)`, which raises
`Cancelled` once the user has asked to stop, so cancellation happens at the next batch boundary.
"""

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("eddy.jobs")

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
CONFIRM = "confirm"  # paused until the user confirms (a query's unsafe write)
KEEP_FINISHED = 50  # finished jobs remembered for polling/downloading


DEFAULT_CANCEL = "Cancelled by the user"


class Cancelled(Exception):
    """Raised inside a job's work when the user asked to stop."""


@dataclass(kw_only=True)
class Job:
    """What every background job has; the UI reads `state` as one of the names above."""

    id: str
    owner: str | None = None  # the session that started it
    state: str = RUNNING
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the work to stop; it stops at its next check."""
        self._cancel.set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled(DEFAULT_CANCEL)

    def finish(self, state: str) -> None:
        self.state, self.finished = state, time.monotonic()

    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started


@dataclass(kw_only=True)
class ProgressJob(Job):
    """A long transfer job: rows and bytes done, an error sentence, a result the UI acts on."""

    kind: str
    title: str
    done: int = 0  # rows (or statements) processed
    total: int | None = None  # rows if known
    bytes_done: int = 0
    bytes_total: int | None = None
    error: str | None = None
    result: dict = field(default_factory=dict)
    phase: str | None = None  # what a running job does now, when it has steps ("Checking the script")
    thread: threading.Thread | None = field(default=None, repr=False)

    # -- called by the work ------------------------------------------------------------------
    def progress(self, done: int | None = None, bytes_done: int | None = None) -> None:
        """Record progress; raise Cancelled when a cancel was requested."""
        if done is not None:
            self.done = done
        if bytes_done is not None:
            self.bytes_done = bytes_done
        self.check_cancelled()

    # -- called by the UI --------------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (tests, benchmarks)."""
        if self.thread is not None:
            self.thread.join(timeout)
        return self.state != RUNNING

    def snapshot(self) -> dict:
        """What the UI shows: counts, rate, time left, final state, error, result."""
        elapsed = max(self.elapsed(), 1e-6)
        rate = self.done / elapsed
        left = None
        if self.state == RUNNING:
            if self.bytes_total and self.bytes_done:
                left = elapsed * (self.bytes_total - self.bytes_done) / self.bytes_done
            elif self.total and self.done:
                left = elapsed * (self.total - self.done) / self.done
        fraction = None
        if self.bytes_total:
            fraction = min(1.0, self.bytes_done / self.bytes_total)
        elif self.total:
            fraction = min(1.0, self.done / self.total)
        if self.state == DONE:
            fraction = 1.0
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "bytes_done": self.bytes_done,
            "bytes_total": self.bytes_total,
            "fraction": fraction,
            "elapsed": round(elapsed, 3),
            "rate": round(rate, 1),
            "seconds_left": None if left is None else round(left, 1),
            "error": self.error,
            "result": self.result,
            "phase": self.phase,
        }


class JobRegistry:
    """Every job of this process, by unguessable id."""

    def __init__(self):
        self._jobs: dict[str, ProgressJob] = {}
        self._lock = threading.Lock()

    def start(
        self, kind: str, title: str, work: Callable[[ProgressJob], dict | None], owner: str | None = None
    ) -> ProgressJob:
        """Run work(job) on a new thread; its return value becomes job.result."""
        job = ProgressJob(id=secrets.token_urlsafe(12), kind=kind, title=title, owner=owner)

        def run():
            try:
                job.result.update(work(job) or {})
                job.state = CANCELLED if job.cancel_requested and job.result.get("cancelled") else DONE
            except Cancelled as exc:
                job.state = CANCELLED
                if str(exc) != DEFAULT_CANCEL:  # the work said what stays (committed checkpoints, statements run)
                    job.error = str(exc)
                else:
                    job.error = "Cancelled: nothing was changed." if kind == "import" else "Cancelled."
            except Exception as exc:  # the job's failure is its final state, shown to the user
                log.warning("job %s (%s) failed: %s", job.id, kind, exc, exc_info=not _is_expected(exc))
                job.state = FAILED
                job.error = getattr(exc, "message", None) or str(exc) or type(exc).__name__
                # What the UI needs to act on the failure (e.g. the databases a script names).
                job.result.update(getattr(exc, "details", None) or {})
            finally:
                job.finished = time.monotonic()

        job.thread = threading.Thread(target=run, name=f"eddy-job-{kind}", daemon=True)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        job.thread.start()
        return job

    def get(self, job_id: str, owner: str | None = None) -> ProgressJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (owner is not None and job.owner is not None and job.owner != owner):
            return None
        return job

    def cancel_all(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel()

    def cancel_owner(self, owner: str) -> None:
        """Cancel the running jobs of a session that closed (each ends on its own connection)."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.owner == owner and j.state == RUNNING]
        for job in jobs:
            job.cancel()

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state != RUNNING]
        for job in sorted(finished, key=lambda j: j.finished or 0)[:-KEEP_FINISHED]:
            self._jobs.pop(job.id, None)


def _is_expected(exc: BaseException) -> bool:
    from core.db.errors import DatabaseError
    from core.services.errors import ServiceError

    return isinstance(exc, (DatabaseError, ServiceError, ValueError, OSError, UnicodeError))
