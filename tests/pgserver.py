"""A throwaway PostgreSQL cluster for the test session: initdb in a temp dir, a loopback port, gone at the end.

Debian's PostgreSQL (``apt-get install postgresql``; ``make test`` installs it) puts ``initdb`` and
``pg_ctl`` in ``/usr/lib/postgresql/<version>/bin``. initdb refuses to run as root, so as root the
cluster belongs to the ``postgres`` system user (created if missing) and both commands run through
``runuser``. Each test gets its own database, copied from a template that is already migrated.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "onrecord"


def find_bin(name: str) -> str | None:
    """``name`` (initdb, pg_ctl) on PATH or in Debian's versioned folders, newest version first."""
    found = shutil.which(name)
    if found:
        return found
    def version(path: str) -> tuple:
        part = Path(path).parts[-3]
        return tuple(int(x) for x in part.split(".") if x.isdigit())
    for path in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True):
        if os.access(path, os.X_OK):
            return path
    return None


def available() -> bool:
    return find_bin("initdb") is not None and find_bin("pg_ctl") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """``start()``, then ``create_database()`` per test; ``stop()`` removes everything."""

    def __init__(self) -> None:
        self.initdb = find_bin("initdb")
        self.pg_ctl = find_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise RuntimeError("PostgreSQL is not installed (initdb/pg_ctl not found; apt-get install postgresql)")
        self.root = Path(tempfile.mkdtemp(prefix="onrecord-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._n = 0
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", self._system_user(), "--"]
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, user=self._system_user())

    @staticmethod
    def _system_user() -> str:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], check=True)
        return "postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if done.returncode != 0:
            log = (self.root / "server.log")
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr or done.stdout}\n{tail}")

    def start(self) -> "Cluster":
        self._run(self.initdb, "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        for attempt in range(3):
            self.port = _free_port()
            opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c synchronous_commit=off "
                    "-c full_page_writes=off -c max_connections=200")
            try:
                self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "-o", opts, "start")
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                time.sleep(0.2)
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, template: str | None = None) -> str:
        """A new empty (or ``template``-copied) database; returns its URL."""
        self._n += 1
        name = f"t{os.getpid()}_{self._n}"
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def stop(self) -> None:
        try:
            if self.port:
                self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
