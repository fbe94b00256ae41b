"""Untrusted files are converted in worker processes with memory, CPU-time and wall-time limits
(docs/adr/0010-sandbox.md): :class:`Pool` runs a job, :class:`SandboxError` says why one was stopped."""

from cybercollege.server.sandbox.pool import Limits, Pool, SandboxError, from_settings

__all__ = ["Limits", "Pool", "SandboxError", "from_settings"]
