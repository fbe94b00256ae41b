"""Scheduled lessons: a class, a room, a time and a teacher; attendance per lesson (issue 14).

``model`` (the lesson, its attendance rows, the form's checks), ``store`` (the tables), ``feature`` (the world side:
who enters and leaves the lesson's room during its time, and ``GET /api/lessons/next``).
"""
