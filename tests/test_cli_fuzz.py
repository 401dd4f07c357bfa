"""Every CLI verb under random arguments, in and out of range: exit 0 with one JSON object, or exit 2 with one line
on stderr, and never a traceback.

Each example starts from a small valid invocation of one verb (BASE) and replaces one to three of its flags by a
value drawn for the flag's type: small valid numbers, the edges of the valid ranges (0, 1, -1), non-finite and
non-numeric text, and a size of 10^15 (which the tool must refuse up front, as too large for memory, rather than
start). Flags that start other processes (``--executor processes|dask``, ``--scheduler``) and regenerating figures
are left to their own tests (test_executors, test_sweep, test_figures): each example would cost seconds.
"""

import argparse
import contextlib
import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from batchlab.cli import build_parser, main

BASE = {
    ("linreg", "risk"): "--a 1.5 --b 2 --dim 20 --samples 64 --batch 4 --lr 0.3 --reps 8",
    ("linreg", "cbs"): "--a 1.5 --b 2 --dim 20 --samples 96 --batches 2 4 8 --lr-grid 5 --no-cache",
    ("linreg", "cbs-scaling"): "--a 1.5 --b 2 --dim 20 --samples 96 192 --batches 2 4 8 --lr-grid 5 --no-cache",
    ("nqm", "steps"): "--batch 64 --dim 200 --reps 8",
    ("nqm", "curve"): "--batches 64 1024 --dim 200 --no-cache",
    ("scg", "bst"): "--L 7.2 --mu 3.1 --rho 62.7 --sigma-star 1 --tokens 1.3e9",
    ("scg", "transfer"): "--tokens-from 1e9 --tokens-to 4e9 --batch 8 --seq 16 --beta 1e-3",
    ("scg", "simulate"): "--lmo linf --batch 4 --seq 8 --tokens 4000 --beta 0.002 --alpha 0.2 --radius 2 --dim 10 "
                         "--reps 4",
    ("sfo", "template"): "--x 3 --y 40 --eps 0.5 --batch 100",
    ("sfo", "cbs"): "--system linreg --dim 20 --targets 1e-2 3e-3",
    ("sfo", "growth"): "--system nqm --target 0.5 --dim 200 --batch-factors 2 --max-steps 10000",
    ("figures",): "--list",
    ("check-papers",): "--paper nqm_2019",
}
LEFT_ALONE = {"-h", "--json", "--scheduler", "--out", "--data"}
INTEGERS = ["-1", "0", "1", "2", "3", "7", "64", "1000000000000000", "1.5", "x", "nan"]
REALS = ["-1", "0", "1e-300", "0.001", "0.3", "1", "2", "10", "1e300", "nan", "inf", "-inf", "x"]


def _verbs(parser, path=()):
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield path, parser
        return
    for name, sub in subparsers[0].choices.items():
        yield from _verbs(sub, path + (name,))


VERBS = dict(_verbs(build_parser()))


def test_every_verb_is_fuzzed():
    assert set(VERBS) == set(BASE)


def _values(action):
    if isinstance(action, argparse._StoreTrueAction):
        return st.just([])
    if action.option_strings[0] == "--executor":
        return st.sampled_from([["threads"], ["gpu"]])
    if action.option_strings[0] == "--cache":
        return st.sampled_from([["/dev/null/cache"], ["relative/cache"]])
    if action.choices:
        one = st.sampled_from(sorted(action.choices) + ["bogus"])
    elif action.type is int:
        one = st.sampled_from(INTEGERS)
    elif action.type is float:
        one = st.sampled_from(REALS)
    else:
        one = st.sampled_from(["nqm_2019", "scg_2026", "nope", "linreg_bias_variance", "a=1", ""])
    if action.nargs == "+":
        return st.lists(one, min_size=1, max_size=3)
    if isinstance(action.nargs, int):
        return st.lists(one, min_size=action.nargs, max_size=action.nargs)
    return one.map(lambda value: [value])


@st.composite
def invocations(draw):
    path = draw(st.sampled_from(sorted(BASE)))
    argv = list(path) + BASE[path].split()
    actions = [a for a in VERBS[path]._actions if a.option_strings and a.option_strings[0] not in LEFT_ALONE]
    for action in draw(st.lists(st.sampled_from(actions), min_size=1, max_size=3, unique_by=lambda a: a.dest)):
        flag = action.option_strings[0]
        if flag in argv:  # drop the base's value(s) of this flag
            i = argv.index(flag)
            j = i + 1
            while j < len(argv) and not argv[j].startswith("--"):
                j += 1
            del argv[i:j]
        argv += [flag, *draw(_values(action))]
    return argv + ["--json"]


@settings(max_examples=150)
@given(invocations())
def test_every_input_gets_an_answer_or_one_clear_line(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse's own errors
            status = stop.code
    assert "Traceback" not in err.getvalue()
    assert status in (0, 2), (argv, err.getvalue())
    if status == 2:
        assert err.getvalue().count("\n") == 1 and out.getvalue() == "", (argv, err.getvalue())
    else:
        json.loads(out.getvalue())
