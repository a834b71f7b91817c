"""Refusals a service explains in a sentence: not database errors, so no MySQL code.

core.web.base maps each to its HTTP status (error_for); a service raises them, never a handler.
"""

import functools


class ServiceError(Exception):
    """Something a service refuses or cannot find; `message` is meant for the user."""

    code = 0  # read like DatabaseError.code by code that reports either
    status = 400  # the HTTP status core.web.base answers with

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message  # a refusal's sentence may be extended after it was raised


class BadOptions(ServiceError, ValueError):
    """Options or input the user sent that a service cannot use: a 400 with the service's sentence.

    Still a ValueError, for callers that catch one."""


def refuses_as_bad_options(*kinds: type[Exception]):
    """Decorate a service function reading what the user sent (an options parser, a file preview):
    the exceptions of `kinds` it raises (its own ValueError sentences, or int('x') and len(5) on a
    wrong type) leave it as BadOptions with the same message, which core.web.base answers with 400."""

    def wrap(fn):
        @functools.wraps(fn)
        def checked(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except ServiceError:
                raise
            except kinds as exc:
                raise BadOptions(str(exc)) from exc

        return checked

    return wrap
