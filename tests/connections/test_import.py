"""Importing connections from other tools' files (pure parsing, no server)."""

import json

import pytest

from core.services.connections.profile_import import import_connections
from core.services.connections.profiles import ProfileError

WORKBENCH = """<?xml version="1.0"?>
<data grt_format="2.0">
  <value _ptr_="0x1" type="list" content-type="object" content-struct-name="db.mgmt.Connection">
    <value _ptr_="0x2" type="object" struct-name="db.mgmt.Connection" id="a">
      <value type="string" key="name">Prod over SSH</value>
      <value _ptr_="0x3" type="dict" key="parameterValues">
        <value type="string" key="hostName">10.0.0.5</value>
        <value type="int" key="port">3307</value>
        <value type="string" key="userName">app</value>
        <value type="string" key="schema">shop</value>
        <value type="string" key="sshHost">bastion.example:2222</value>
        <value type="string" key="sshUserName">ops</value>
        <value type="string" key="sshKeyFile">~/.ssh/id_ed25519</value>
        <value type="int" key="useSSL">1</value>
      </value>
    </value>
  </value>
</data>"""

DBEAVER = {
    "folders": {},
    "connections": {
        "mysql8-1": {
            "provider": "mysql",
            "name": "Local <dev>",
            "read-only": True,
            "configuration": {
                "host": "localhost",
                "port": "3306",
                "database": "app",
                "user": "dev",
                "handlers": {
                    "ssh_tunnel": {
                        "enabled": True,
                        "user": "me",
                        "properties": {"host": "gw", "port": 22, "authType": "PUBLIC_KEY", "keyPath": "/k"},
                    }
                },
            },
        },
        "pg-1": {"provider": "postgresql", "name": "not ours", "configuration": {}},
    },
}


def test_workbench_connections_xml():
    [(profile, password)] = import_connections(WORKBENCH)
    assert (profile.name, profile.host, profile.port, profile.user, profile.database) == (
        "Prod over SSH", "10.0.0.5", 3307, "app", "shop"
    )  # fmt: skip
    assert profile.ssh_enabled and (profile.ssh_host, profile.ssh_port, profile.ssh_user) == (
        "bastion.example",
        2222,
        "ops",
    )
    assert profile.ssh_auth == "key" and profile.tls_mode == "require" and password == ""


def test_dbeaver_data_sources_json_keeps_only_mysql():
    [(profile, _)] = import_connections(json.dumps(DBEAVER))
    assert (profile.name, profile.host, profile.port, profile.user, profile.database) == (
        "Local <dev>", "localhost", 3306, "dev", "app"
    )  # fmt: skip
    assert profile.read_only and profile.ssh_enabled and profile.ssh_key_path == "/k" and profile.ssh_user == "me"


def test_my_cnf_with_tls_and_socket():
    text = "[client]\nuser=u\nsocket=/run/mysqld/mysqld.sock\nssl-ca=/etc/ca.pem\nssl-verify-server-cert\n"
    [(profile, password)] = import_connections(text)
    assert profile.socket == "/run/mysqld/mysqld.sock" and profile.tls_mode == "verify_identity" and password == ""


@pytest.mark.parametrize("text", ["{not json", "<not xml", "[mysqld]\nport=1\n", "", '{"connections": {}}'])
def test_unreadable_or_empty_files_are_reported(text):
    with pytest.raises(ProfileError):
        import_connections(text)


def test_workbench_xml_entity_bomb_is_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        + ("".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("bcdefgh", "cdefghi")))
        + "]><data>&i;</data>"
    )
    with pytest.raises(ProfileError):
        import_connections(bomb)


def test_home_my_cnf_is_read_or_reported(tmp_path):
    from core.services.connections.profile_import import read_home_my_cnf

    with pytest.raises(ProfileError, match="There is no"):
        read_home_my_cnf(tmp_path)
    (tmp_path / ".my.cnf").write_text("[client]\nuser=me\n")
    [(profile, _)] = import_connections(read_home_my_cnf(tmp_path))
    assert profile.user == "me"
