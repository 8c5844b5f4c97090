"""A throw-away PostgreSQL 15 + PostGIS cluster for the storage tests (also runnable by hand).

`initdb` into a temp folder, `pg_ctl start` on 127.0.0.1 with a free port and the unix socket inside
that folder, one database with PostGIS, and everything stopped and deleted afterwards. PostgreSQL
refuses to run as root (CI runs as root), so as root the cluster runs as the unprivileged `nobody`.

    python -m tests.storage.pg_cluster   # prints the URL, keeps the cluster until Enter
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get("ATLAS_PG_BIN", "/usr/lib/postgresql/15/bin"))
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
CLUSTER_USER = "nobody"
"""Who runs the server when the tests run as root."""
SUPERUSER = "atlas"
DATABASE = "atlas_test"


class ClusterUnavailable(RuntimeError):
    """PostgreSQL 15 or PostGIS is not installed, or the cluster would not start (the message says how to fix)."""


def missing_software() -> str | None:
    """Why a cluster cannot be made here, or None when PostgreSQL 15 and PostGIS are installed."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / tool).exists():
            return f"{PG_BIN / tool} is missing: install Debian's postgresql-15 (`make system-deps` does it)"
    if not POSTGIS_CONTROL.exists():
        return f"{POSTGIS_CONTROL} is missing: install Debian's postgresql-15-postgis-3 (`make system-deps` does it)"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_cluster_user() -> list[str]:
    return ["runuser", "-u", CLUSTER_USER, "--"] if os.geteuid() == 0 else []


def _run(args: list[str], *, log: Path | None = None) -> None:
    result = subprocess.run(
        [*_as_cluster_user(), *args], capture_output=True, text=True, timeout=180, check=False, cwd="/"
    )
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise ClusterUnavailable(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr.strip()}\n{tail}")


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a private cluster and yield a ``postgresql://`` URL of a database with PostGIS in it."""
    why = missing_software()
    if why:
        raise ClusterUnavailable(why)
    base = Path(tempfile.mkdtemp(prefix="atlas-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam(CLUSTER_USER)
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log = base / "data", base / "server.log"
    started = False
    try:
        _run([str(PG_BIN / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C"])
        port = _free_port()
        options = f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off -c max_connections=40"
        pg_ctl = str(PG_BIN / "pg_ctl")
        _run([pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "120", "start"], log=log)
        started = True
        admin = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        url = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield url
    finally:
        if started:
            with contextlib.suppress(ClusterUnavailable, subprocess.TimeoutExpired):
                _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "60", "stop"])
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    with throwaway_cluster() as cluster_url:
        print(cluster_url, flush=True)
        input("press Enter to stop and delete the cluster ")
