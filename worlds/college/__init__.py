"""Data only: the default world (a French collège), read by ``worlds.load_world(default_world_path())``."""
