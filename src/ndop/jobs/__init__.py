"""Background and long-running work, run by `ndop worker` (ADR 37, 38).

An entry point beside `web` and `cli`: each job is a django-tasks task whose function lives here and
calls a use-case in `services` through the container. Jobs wait in the registry's own database
(django-tasks' database backend), so they survive a restart of the process that queued them.
"""
