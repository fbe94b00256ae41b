"""Several processes for one platform: presence and the brokers behind it (local, Redis)."""
