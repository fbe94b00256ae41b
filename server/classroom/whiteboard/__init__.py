"""The classroom's interactive whiteboard (TBI): state, rules, durable op log, live delivery.

See docs/whiteboard.md. :class:`cybercollege.server.classroom.rooms.Classroom` puts the pieces together.
"""
