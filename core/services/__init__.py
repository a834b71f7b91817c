"""The product's verbs in plain Python: no tornado request objects here."""
