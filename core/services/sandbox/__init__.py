"""The local MariaDB server Eddy can start (server; the test fixture uses the same code), its
lifecycle in the app (manager) and the sample databases loaded into it (sample_data)."""
