"""Figure saving is deterministic; every registered figure module has the compute/plot interface."""

import matplotlib.pyplot as plt

from batchlab.figures import REGISTRY
from batchlab.figures._save import save


def test_saved_files_are_byte_identical_for_identical_data(tmp_path):
    paths = []
    for run in ("first", "second"):
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2])
        paths.append(save(fig, tmp_path / run, "demo"))
        plt.close(fig)
    for first, second in zip(*paths):
        assert first.read_bytes() == second.read_bytes()
    assert [p.suffix for p in paths[0]] == [".png", ".pdf"]


def test_registry_modules_expose_the_interface():
    for name, module in REGISTRY.items():
        assert module.NAME == name and callable(module.compute) and callable(module.plot)
        assert module.__doc__.strip()
