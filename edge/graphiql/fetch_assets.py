"""Fetch GraphiQL's published build from the npm registry into graphiql/assets/ and check it.

The files are committed, so the server needs neither Node.js nor the internet; run this only to
check them again or to move to another pinned version. Each file must match the Subresource
Integrity hash that the page also declares, so a tampered or different file is refused twice.

    .venv/bin/python graphiql/fetch_assets.py          # fetch and write
    .venv/bin/python graphiql/fetch_assets.py --check  # check the committed files only
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
ASSETS = Path(__file__).resolve().parent / "assets"

# (package, version, path in the package, local name, sha384 as in the page's integrity)
FILES = [
    ("react", "18.2.0", "umd/react.production.min.js", "react.production.min.js",
     "tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"),
    ("react-dom", "18.2.0", "umd/react-dom.production.min.js", "react-dom.production.min.js",
     "bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"),
    ("graphiql", "3.8.3", "graphiql.min.js", "graphiql.min.js",
     "HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"),
    ("graphiql", "3.8.3", "graphiql.min.css", "graphiql.min.css",
     "Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"),
    ("@graphiql/plugin-explorer", "1.0.2", "dist/index.umd.js", "plugin-explorer.umd.js",
     "2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9"),
    ("@graphiql/plugin-explorer", "1.0.2", "dist/style.css", "plugin-explorer.css",
     "5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi"),
]  # fmt: skip


def integrity(data: bytes) -> str:
    return base64.b64encode(hashlib.sha384(data).digest()).decode()


def fetch(package: str, version: str, path: str) -> bytes:
    name = package.rsplit("/", 1)[-1]
    url = f"{REGISTRY}/{package}/-/{name}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - a fixed https URL
        content = response.read()
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        member = archive.extractfile(f"package/{path}")
        if member is None:
            raise SystemExit(f"{package}@{version} has no {path}")
        return member.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check the committed files only")
    arguments = parser.parse_args()
    ASSETS.mkdir(exist_ok=True)
    failures = 0
    for package, version, path, local, expected in FILES:
        target = ASSETS / local
        data = target.read_bytes() if arguments.check else fetch(package, version, path)
        if integrity(data) != expected:
            print(f"MISMATCH {package}@{version}/{path}", file=sys.stderr)
            failures += 1
            continue
        if not arguments.check:
            target.write_bytes(data)
        print(f"ok {local} ({package}@{version}, {len(data):,} bytes)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
