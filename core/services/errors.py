"""Refusals a service explains in a sentence: not database errors, so no MySQL code.

core.web.base maps each to its HTTP status (error_for); a service raises them, never a handler.
"""


class ServiceError(Exception):
    """Something a service refuses or cannot find; `message` is meant for the user."""

    code = 0  # read like DatabaseError.code by code that reports either
    status = 400  # the HTTP status core.web.base answers with

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message  # a refusal's sentence may be extended after it was raised
