"""The classroom's interactive whiteboard (TBI): state, rules, durable op log, live delivery.

See docs/whiteboard.md. :class:`server.classroom.Classroom` puts the pieces together.
"""
