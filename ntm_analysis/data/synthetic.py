"""Recognising the shipped synthetic demonstration data by its content, not by its file name.

A commune file is synthetic when its bytes are those of a dataset this project generated and shipped (its
sha256 is listed here), or when the metadata file beside it says so. A renamed copy is still recognised; an
edited copy is no longer the shipped data, and is labelled by its metadata only.
"""

from __future__ import annotations

import hashlib

#: sha256 of every synthetic dataset shipped in data/communes/ (tests check the list against the files).
SHIPPED_SHA256 = {
    # data/communes/demo_communes_2021_SYNTHETIC.csv (scripts/generate_demo_communes.py, seed 20220720)
    "a2a480c0579cc09a2fbd4e062dc8139d969184cf211e27cb45255a8dce2f9252",
}


def is_shipped_synthetic(data: bytes) -> bool:
    """True when `data` is, byte for byte, a synthetic dataset this project ships."""
    return hashlib.sha256(data).hexdigest() in SHIPPED_SHA256


def is_synthetic(data: bytes, meta: dict | None = None) -> bool:
    """Synthetic by content, or because the file's metadata says `"synthetic": true`."""
    return is_shipped_synthetic(data) or bool((meta or {}).get("synthetic", False))
