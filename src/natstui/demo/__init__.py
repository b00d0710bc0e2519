"""``natstui demo``: an embedded nats-server with realistic traffic."""
