"""Build batchlab's documentation site: the README, docs/, the gallery and an API reference from the docstrings.

    pip install ".[docs]" && python docs/build.py [--out site]

The pages are the repository's own files, laid out in a staging folder as they lie in the repository (so every
relative link and image resolves as it does on GitHub): the README as the home page, ``docs/*.md``, the gallery's
``figures/README.md`` with ``figures/gallery/*.png`` (regenerate them first with ``batchlab figures``), and one
API page per namespace, rendered from the docstrings by mkdocstrings (numpy style) with the names its ``__all__``
exports. mkdocs builds it with ``--strict``: a broken link, a missing page or a docstring mkdocstrings cannot
parse is an error. ``.ci/run`` runs this.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (page, title, module, what it holds): one API page per namespace a user imports.
API = [
    ("linreg", "bl.linreg", "batchlab.sim.linreg", "mini-batch SGD on power-law linear regression"),
    ("nqm", "bl.nqm", "batchlab.sim.nqm", "the noisy quadratic model"),
    ("scg", "bl.scg", "batchlab.sim.scg", "stochastic conditional gradient under mu-KL"),
    ("sfo", "bl.sfo", "batchlab.sim.sfo", "the SFO-complexity results of the related work"),
    ("toolkit", "bl.sim", "batchlab.sim", "the toolkit every system shares"),
    ("theory", "bl.theory", "batchlab.theory", "closed forms, bounds and exponents"),
]
TOOLKIT = ["errors", "results", "seeding", "montecarlo", "targets", "tuning", "critical_batch", "parallel", "sweep",
           "progress"]
THEORY = ["linreg", "nqm", "scg", "sfo", "critical_batch"]
PAGES = ["conventions", "cli", "linreg", "nqm", "scg", "sfo", "parallel", "references"]


def _api_page(page: str, title: str, module: str, holds: str) -> str:
    options = "    options:\n      show_root_heading: false\n      show_submodules: false\n"
    lines = [f"# `{title}`: {holds}", "", f"`import batchlab as bl`, then `{title}.NAME`.", ""]
    if page == "toolkit":
        lines += [f"## `bl.sim.{name}`\n\n::: batchlab.sim.{name}\n{options}" for name in TOOLKIT]
    elif page == "theory":
        lines += [f"## `bl.theory.{name}`\n\n::: batchlab.theory.{name}\n{options}" for name in THEORY]
    else:
        lines += [f"::: {module}\n{options}"]
    return "\n".join(lines)


def _config(source: Path, out: Path) -> str:
    titles = {"conventions": "Conventions", "cli": "Command line", "linreg": "Linear regression", "nqm": "NQM",
              "scg": "SCG", "sfo": "Related work (SFO)", "parallel": "Parallel sweeps", "references": "References"}
    nav = ["  - Home: index.md", "  - Guide:"] + [f"    - {titles[p]}: docs/{p}.md" for p in PAGES]
    nav += ["  - Gallery: figures/README.md", "  - API reference:"]
    nav += [f"    - {title}: api/{page}.md" for page, title, _, _ in API]
    return "\n".join([
        "site_name: batchlab",
        "site_description: What batch size, and why? Batch-size scaling theory held against exact computation.",
        f"docs_dir: {source}",
        f"site_dir: {out}",
        "strict: true",
        "use_directory_urls: false",
        "theme:",
        "  name: mkdocs",
        "validation:",
        "  links:",
        "    not_found: warn",
        "    anchors: warn",
        "    absolute_links: warn",
        "    unrecognized_links: warn",
        "plugins:",
        "  - search",
        "  - mkdocstrings:",
        "      default_handler: python",
        "      handlers:",
        "        python:",
        "          options:",
        "            docstring_style: numpy",
        "            show_source: false",
        "            members_order: source",
        "            filters: ['!^_']",
        "            show_signature_annotations: true",
        "            separate_signature: true",
        "markdown_extensions:",
        "  - tables",
        "  - fenced_code",
        "  - toc:",
        "      permalink: true",
        "nav:",
        *nav,
    ]) + "\n"


def stage(source: Path) -> None:
    """Lay the pages out in ``source`` as they lie in the repository, and write the API pages."""
    shutil.copy(ROOT / "README.md", source / "index.md")
    (source / "docs").mkdir()
    for page in PAGES:
        shutil.copy(ROOT / "docs" / f"{page}.md", source / "docs" / f"{page}.md")
    (source / "figures" / "gallery").mkdir(parents=True)
    shutil.copy(ROOT / "figures" / "README.md", source / "figures" / "README.md")
    for image in (ROOT / "figures" / "gallery").glob("*.png"):
        shutil.copy(image, source / "figures" / "gallery" / image.name)
    (source / "api").mkdir()
    for page, title, module, holds in API:
        (source / "api" / f"{page}.md").write_text(_api_page(page, title, module, holds))


def main(argv=None) -> int:
    """Stage the pages and run ``mkdocs build --strict``; its exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "site"), help="the site's folder (default ./site)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="batchlab-docs-") as folder:
        source = Path(folder) / "src"
        source.mkdir()
        stage(source)
        config = Path(folder) / "mkdocs.yml"
        config.write_text(_config(source, Path(args.out).resolve()))
        return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config)],
                              check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
