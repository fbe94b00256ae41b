"""Data only: the default world (a French collège), read by ``cybercollege.worlds.load_world(default_world_path())``."""
