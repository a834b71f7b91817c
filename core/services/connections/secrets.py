"""Saved passwords live in the OS keyring (through `keyring`), never in Eddy's files or logs.

Where no usable keyring exists (a headless Linux without Secret Service, keyring's `fail` or
`null` backend, a chainer with nothing to chain, a plain-text file backend) nothing is saved and
the UI says so: the user types the password each time instead.
"""

import logging
import threading

log = logging.getLogger("eddy.secrets")

SERVICE = "Eddy"
KINDS = ("db", "ssh")  # the database password; the SSH password or the key's passphrase


def _keyring():
    """The keyring package, imported on first use (it costs start-up time the first page doesn't need)."""
    import keyring
    import keyring.errors

    return keyring


class SecretStoreUnavailable(Exception):
    """No usable OS keyring: passwords cannot be saved."""


def _backend_problem(backend) -> str | None:
    cls = type(backend)
    module, name = cls.__module__, cls.__name__
    if module.startswith("keyring.backends.fail") or module.startswith("keyring.backends.null"):
        return "no OS keyring backend is available"
    if module.startswith("keyring.backends.chainer") and not getattr(backend, "backends", None):
        return "no OS keyring backend is available"
    if "plaintext" in name.lower() or "plaintext" in module.lower() or module.startswith("keyrings.alt.file"):
        return f"the keyring backend {module}.{name} stores passwords in plain text"
    return None


_asked = threading.Event()


def unavailable_reason() -> str | None:
    """Why passwords cannot be saved here, or None when the keyring is usable."""
    try:
        return _backend_problem(_keyring().get_keyring())
    except Exception as exc:  # a broken keyring configuration must not break the app
        return f"the OS keyring cannot be used ({type(exc).__name__})"
    finally:
        _asked.set()


def asked_before() -> bool:
    """Whether the keyring was asked in this run. The first time imports it and probes its backends
    (100-600 ms: keyring runs ldconfig/gcc looking for macOS libraries, even on Linux); later
    answers are quick. The first page does not wait for that (pages.KeyringNoteHandler)."""
    return _asked.is_set()


def available() -> bool:
    return unavailable_reason() is None


def _username(profile_id: int, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown secret kind {kind!r}")
    return f"profile-{int(profile_id)}-{kind}"


def save(profile_id: int, kind: str, secret: str) -> None:
    """Store a password; raises SecretStoreUnavailable (with the reason) when it cannot."""
    reason = unavailable_reason()
    if reason:
        raise SecretStoreUnavailable(f"Password not saved: {reason}.")
    keyring = _keyring()
    try:
        keyring.set_password(SERVICE, _username(profile_id, kind), secret)
    except keyring.errors.KeyringError as exc:
        # The message never contains the secret; keyring errors name the backend's problem.
        raise SecretStoreUnavailable(f"Password not saved: the OS keyring refused it ({exc}).") from exc


def load(profile_id: int, kind: str) -> str | None:
    """The saved password, or None (none saved, or no keyring)."""
    if not available():
        return None
    keyring = _keyring()
    try:
        return keyring.get_password(SERVICE, _username(profile_id, kind))
    except keyring.errors.KeyringError as exc:
        log.warning("Reading a saved password failed: %s", type(exc).__name__)
        return None


def delete(profile_id: int, kind: str | None = None) -> None:
    """Forget one (or, with kind=None, every) saved password of a profile; missing ones are fine."""
    if not available():
        return
    keyring = _keyring()
    for k in [kind] if kind else KINDS:
        try:
            keyring.delete_password(SERVICE, _username(profile_id, k))
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            log.warning("Deleting a saved password failed: %s", type(exc).__name__)
