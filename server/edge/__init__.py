"""The edge: the aiohttp application, the WebSocket gateway, the HTTP API, metrics, world content and the command
line. The only place that does network I/O for the world.
"""
