"""plotly.js from the installed plotly package, served by us (no CDN; works offline).

The 4.8 MB file is read and gzip-compressed once per process; the URL carries the package
version, so the response can be cached for a year as immutable.
"""

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import plotly

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@dataclass(frozen=True)
class Asset:
    raw: bytes
    gzipped: bytes
    etag: str


def plotly_version() -> str:
    """The version segment of the immutable URL (the plotly package's version)."""
    return str(plotly.__version__)


@cache
def plotly_asset() -> Asset:
    """The bundled plotly.min.js, raw and gzipped (computed on first use)."""
    raw = PLOTLY_JS.read_bytes()
    # mtime=0 keeps the compressed bytes identical across processes.
    gzipped = gzip.compress(raw, compresslevel=9, mtime=0)
    return Asset(raw=raw, gzipped=gzipped, etag='"' + hashlib.sha256(raw).hexdigest()[:20] + '"')
