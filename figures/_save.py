"""Saving figures reproducibly: PNG and PDF, with no timestamps or version strings inside."""

from pathlib import Path

# Dropping these metadata keys makes regenerated files byte-identical for identical data.
_METADATA = {"png": {"Software": None}, "pdf": {"Creator": None, "Producer": None, "CreationDate": None}}


def save(fig, out_dir, name: str) -> list[Path]:
    """Write ``name``.png (150 dpi) and ``name``.pdf into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, metadata in _METADATA.items():
        path = out_dir / f"{name}.{ext}"
        fig.savefig(path, dpi=150, metadata=metadata)
        paths.append(path)
    return paths
