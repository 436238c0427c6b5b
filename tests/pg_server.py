"""A throwaway PostgreSQL server for the tests: initdb in a temporary folder, started on a free
loopback port, stopped at the end. As root it runs as the ``postgres`` system user."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _bin_dir() -> Path:
    pg_ctl = shutil.which("pg_ctl")
    candidates = [Path(os.path.realpath(pg_ctl)).parent] if pg_ctl else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "postgres").exists():
            return folder
    raise RuntimeError("PostgreSQL server binaries not found: run `make system-deps`")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    root: Path
    port: int
    user: str

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls) -> PostgresServer:
        bin_dir = _bin_dir()
        root = Path(tempfile.mkdtemp(prefix="ea-pg-"))
        run_as: list[str] = []
        user = pwd.getpwuid(os.getuid()).pw_name
        if os.geteuid() == 0:
            user = "postgres"
            info = pwd.getpwnam(user)
            os.chown(root, info.pw_uid, info.pw_gid)
            run_as = ["runuser", "-u", user, "--"]
        data = root / "data"
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                user,
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
        )
        port = _free_port()
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        server = cls(root, port, user)
        server._run_as = run_as
        server._bin_dir = bin_dir
        return server

    def stop(self) -> None:
        subprocess.run(
            [
                *self._run_as,
                str(self._bin_dir / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)
