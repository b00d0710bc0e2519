"""NATS access through nats-py: no Textual import here."""
