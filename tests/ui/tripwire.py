"""The UI tests' tripwire: a test fails on any uncaught page error and, unless told otherwise, on
any console error (a CSP refusal, a failed module load) but the browser's own favicon request."""

from contextlib import contextmanager


@contextmanager
def console_tripwire(page, console: bool = True):
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    if console:
        page.on(
            "console",
            lambda m: (
                problems.append(m.text) if m.type == "error" and "favicon" not in m.location.get("url", "") else None
            ),
        )
    yield problems
    assert not problems, f"console errors (CSP, JS): {problems}"
