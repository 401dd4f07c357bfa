"""The examples in README.md and docs/*.md are run, so they cannot drift from the code.

```pycon blocks are doctests (one namespace per document, in order). ```console blocks are commands (`$ batchlab
...`) with their output: each printed line must match, where a line `...` stands for any number of lines left
out and a JSON line ending in `...}` for keys left out (the rest must be a prefix of the printed object).
"""

import doctest
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(path.read_text()) if lang == language]


def commands(block: str) -> list[tuple[str, list[str]]]:
    """[(command, expected output lines)] of a console block."""
    out = []
    for line in block.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif out:
            out[-1][1].append(line)
    return out


def matches(expected: list[str], printed: list[str]) -> bool:
    """Whether ``printed`` is ``expected`` with each ``...`` line standing for any run of lines."""
    if not expected:
        return not printed
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(matches(rest, printed[k:]) for k in range(len(printed) + 1))
    if not printed:
        return False
    if head.startswith("{") and head.endswith(", ...}"):
        same = printed[0].startswith(head[: -len("...}")])
    else:
        same = printed[0] == head
    return same and matches(rest, printed[1:])


PYCON = [path for path in DOCUMENTS if blocks(path, "pycon")]
CONSOLE = [(path, command, expected) for path in DOCUMENTS for block in blocks(path, "console")
           for command, expected in commands(block)]


def test_the_readme_has_python_and_command_line_examples():
    assert blocks(ROOT / "README.md", "pycon") and any(path.name == "README.md" for path, _, _ in CONSOLE)


@pytest.mark.parametrize("path", PYCON, ids=lambda p: p.name)
def test_python_examples(path):
    text = "\n".join(blocks(path, "pycon"))
    test = doctest.DocTestParser().get_doctest(text, {}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=sys.stdout.write)
    assert runner.failures == 0 and runner.tries > 0, f"{runner.failures} of {runner.tries} examples failed"


@pytest.mark.parametrize("path, command, expected", CONSOLE, ids=lambda v: v.split(" --")[0] if isinstance(v, str)
                         else None)
def test_command_line_examples(path, command, expected):
    assert command.startswith("batchlab "), command
    done = subprocess.run([sys.executable, "-m", "batchlab", *command.split()[1:]], capture_output=True, text=True,
                          timeout=600)
    printed = (done.stdout + done.stderr).splitlines()
    assert done.returncode in (0, 2) and "Traceback" not in done.stderr, done.stderr
    assert matches(expected, printed), "\n".join(["expected:", *expected, "printed:", *printed])


def test_the_matcher_can_fail():
    assert matches(["a", "...", "c"], ["a", "b", "b", "c"]) and matches(['{"x": 1, ...}'], ['{"x": 1, "y": 2}'])
    assert not matches(["a", "c"], ["a", "b", "c"]) and not matches(['{"x": 2, ...}'], ['{"x": 1, "y": 2}'])
    assert not matches(["a"], []) and not matches([], ["a"])
