"""Importing connections from other tools: ~/.my.cnf, DBeaver data-sources.json, Workbench connections.xml.

Each importer returns (Profile, password) pairs; passwords (only a my.cnf carries them in clear)
go to the OS keyring through profiles.save_passwords, or nowhere.
"""

import configparser
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from core.services.connections.profiles import Profile, ProfileError, _port

MY_CNF_SECTIONS = ("client", "mysql", "mariadb", "client-server", "mariadb-client")


def import_my_cnf(text: str, name_prefix: str = "my.cnf") -> list[tuple[Profile, str]]:
    """Profiles from a ~/.my.cnf-style file: [client]/[mysql]/... and named [client_*] groups.

    Returns (profile, password) pairs; the caller saves passwords to the keyring (or not)."""
    parser = configparser.ConfigParser(allow_no_value=True, interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ProfileError(f"This file cannot be read as a my.cnf file: {exc.message.splitlines()[0]}") from None
    result = []
    base: dict = {}
    for section in MY_CNF_SECTIONS:
        if parser.has_section(section):
            base.update({k.replace("_", "-"): v for k, v in parser.items(section)})
    groups = [(name_prefix, base)] if base else []
    for section in parser.sections():
        if section.startswith(("client_", "client-")) and section not in MY_CNF_SECTIONS:
            values = {**base, **{k.replace("_", "-"): v for k, v in parser.items(section)}}
            groups.append((f"{name_prefix} {section}", values))
    for name, values in groups:
        try:
            port = _port(values.get("port") or 3306, "Port")
        except ProfileError:
            port = 3306
        profile = Profile(
            name=name,
            host=(values.get("host") or "127.0.0.1").strip(),
            port=port,
            user=(values.get("user") or "root").strip(),
            database=(values.get("database") or "").strip(),
            socket=(values.get("socket") or "").strip(),
            tls_ca=(values.get("ssl-ca") or "").strip(),
            tls_cert=(values.get("ssl-cert") or "").strip(),
            tls_key=(values.get("ssl-key") or "").strip(),
        )
        if profile.tls_ca:
            profile.tls_mode = "verify_identity" if "ssl-verify-server-cert" in values else "verify_ca"
        elif "ssl" in values and str(values.get("ssl") or "1") not in ("0", "false", "off"):
            profile.tls_mode = "require"
        password = (values.get("password") or "").strip().strip("'\"")
        result.append((profile, password))
    if not result:
        raise ProfileError("No [client] or [mysql] section with connection settings was found.")
    return result


def import_dbeaver(text: str) -> list[tuple[Profile, str]]:
    """MySQL/MariaDB connections of a DBeaver data-sources.json (its passwords are encrypted elsewhere)."""
    try:
        data = json.loads(text)
        connections = data.get("connections") or {}
    except (ValueError, AttributeError):
        raise ProfileError("This file is not a DBeaver data-sources.json.") from None
    result = []
    for key, conn in connections.items():
        if not isinstance(conn, dict) or str(conn.get("provider", "")).lower() not in ("mysql", "mariadb"):
            continue
        cfg = conn.get("configuration") or {}
        profile = Profile(
            name=str(conn.get("name") or key),
            host=str(cfg.get("host") or "127.0.0.1"),
            port=_int_or(cfg.get("port"), 3306),
            user=str(cfg.get("user") or "root"),
            database=str(cfg.get("database") or ""),
            read_only=bool(conn.get("read-only")),
        )
        ssh = ((cfg.get("handlers") or {}).get("ssh_tunnel") or {}) if isinstance(cfg.get("handlers"), dict) else {}
        props = ssh.get("properties") or {}
        if ssh.get("enabled") and props.get("host"):
            profile.ssh_enabled = True
            profile.ssh_host = str(props["host"])
            profile.ssh_port = _int_or(props.get("port"), 22)
            profile.ssh_user = str(ssh.get("user") or props.get("user") or "")
            if str(props.get("authType", "")).upper() == "PUBLIC_KEY":
                profile.ssh_auth, profile.ssh_key_path = "key", str(props.get("keyPath") or "")
        result.append((profile, str(cfg.get("password") or "")))
    if not result:
        raise ProfileError("No MySQL or MariaDB connection was found in this DBeaver file.")
    return result


def import_workbench(text: str) -> list[tuple[Profile, str]]:
    """Connections of a MySQL Workbench connections.xml (passwords live in Workbench's vault: none here)."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise ProfileError("This file is not a MySQL Workbench connections.xml.") from None
    result = []
    for conn in root.iter("value"):
        if conn.get("struct-name") != "db.mgmt.Connection":
            continue
        name = next((v.text for v in conn if v.get("key") == "name"), None) or "Workbench"
        params = next((v for v in conn if v.get("key") == "parameterValues"), None)
        values = {v.get("key"): (v.text or "") for v in (params if params is not None else [])}
        profile = Profile(
            name=name,
            host=values.get("hostName") or "127.0.0.1",
            port=_int_or(values.get("port"), 3306),
            user=values.get("userName") or "root",
            database=values.get("schema") or "",
            socket=values.get("socket") or "",
            tls_ca=values.get("sslCA") or "",
            tls_cert=values.get("sslCert") or "",
            tls_key=values.get("sslKey") or "",
        )
        if values.get("useSSL") not in (None, "", "0"):
            profile.tls_mode = "verify_ca" if profile.tls_ca else "require"
        if values.get("sshHost"):
            host, _, port = values["sshHost"].partition(":")
            profile.ssh_enabled, profile.ssh_host, profile.ssh_port = True, host, _int_or(port, 22)
            profile.ssh_user = values.get("sshUserName") or ""
            if values.get("sshKeyFile"):
                profile.ssh_auth, profile.ssh_key_path = "key", values["sshKeyFile"]
        result.append((profile, ""))
    if not result:
        raise ProfileError("No connection was found in this MySQL Workbench file.")
    return result


def import_connections(text: str) -> list[tuple[Profile, str]]:
    """Profiles from a DBeaver JSON, a MySQL Workbench XML or a my.cnf file (told apart by content)."""
    head = text.lstrip()[:200]
    if head.startswith("{"):
        return import_dbeaver(text)
    if head.startswith("<"):
        return import_workbench(text)
    return import_my_cnf(text)


def _int_or(value, default: int) -> int:
    try:
        port = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return port if 0 < port < 65536 else default


def read_home_my_cnf(home: Path | None = None) -> str:
    """The text of the user's own ~/.my.cnf (ProfileError when there is none)."""
    path = (home or Path.home()) / ".my.cnf"
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise ProfileError(f"There is no {path}.") from None
    except OSError as exc:
        raise ProfileError(f"{path} cannot be read: {exc.strerror}.") from None
