"""``onrecord serve``: the workbench (web pages + REST API) over the store."""

from __future__ import annotations

from typing import Optional

import typer

from ..settings import get_setting
from .app import State, app
from .output import err, fail


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Anything but loopback needs --token."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    read_only: bool = typer.Option(False, "--read-only", help="Refuse every write (corrections, verdicts, uploads, runs)."),
    token: Optional[str] = typer.Option(None, "--token", envvar="ONRECORD_TOKEN", help="Require this token on every request (Bearer header or the login form)."),
    max_upload: Optional[str] = typer.Option(None, "--max-upload", help="Largest uploaded file (default 10MB)."),
) -> None:
    """Serve the workbench: corpus, documents with their coding, actors, concepts, network, predictions, shifts, and the REST API (/api/v1, OpenAPI at /docs).

    Example: onrecord --db corpus.db serve --port 8000 --read-only
    """
    import uvicorn

    from ..web.app import WebConfig, create_app, is_loopback

    token = get_setting("token", token)
    if not is_loopback(host) and not token:
        fail(f"--host {host} is not a loopback address: give --token (or ONRECORD_TOKEN) so that strangers cannot read or write")
    if token is not None and len(token) < 8:
        fail("a token must have at least 8 characters")
    config = WebConfig(db=State.db, read_only=read_only, token=token, host=host,
                       max_upload=get_setting("max_upload", max_upload))
    try:
        web = create_app(config)
    except Exception as exc:  # a store that cannot be opened, a bad setting
        fail(str(exc))
    shown = f"[{host}]" if ":" in host else host
    err.print(f"onrecord workbench on http://{shown}:{port}/ ({'read-only' if read_only else 'read-write'}"
              f"{', token required' if token else ''}); Ctrl-C stops it", markup=False)
    uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
