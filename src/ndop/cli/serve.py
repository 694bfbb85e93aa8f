"""`ndop serve`: migrate, then serve with gunicorn (WhiteNoise serves the static assets)."""

from __future__ import annotations

import click

from ndop import container
from ndop.cli.ports import refuse_if_taken
from ndop.cli.root import main
from ndop.cli.startup import Database


@main.command(database=Database.REACHABLE)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per worker.")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Bring the database up to date and serve the web service and API."""
    from gunicorn.app.base import BaseApplication

    from ndop.wsgi import application

    refuse_if_taken(host, port, what="the web service",
                    setting=f"ndop serve --port {port % 65535 + 1} (make run PORT={port % 65535 + 1})")
    container.migrate()
    from django.db import connections

    connections.close_all()  # the workers fork: none may inherit this process's connection

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", None)  # URLs may carry NHS numbers: no access log
            self.cfg.set("timeout", 120)

        def load(self) -> object:
            return application

    click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C to stop)")
    Server().run()
