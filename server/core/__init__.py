"""The core of the world server: the world and its tick, rooms and their lifecycle, avatars, interest management,
delivery, chat and rate limits. It imports no feature and not aiohttp.
"""
