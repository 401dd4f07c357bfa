"""``batchlab sfo template|cbs``: the SFO-complexity critical batch size of the Iiduka group, and its measurement.

Thin parsing over :mod:`batchlab.theory.sfo` and :mod:`batchlab.sim.sfo`; :mod:`batchlab.cli` registers the verbs.
Every value is validated here or by the library, so a bad one is a one-line error naming the flag.
"""

import math

from batchlab._cli_common import add_verb, cell, count
from batchlab.sim import errors
from batchlab.sim.results import number

# The template's constants are kept where its closed forms stay finite floats (b* up to ~1e120, b·K(b) ~1e180):
# 1e-300 underflowed (ε − Z)² to 0, and 1e100 overflowed b·K(b) (both found by tests/test_cli_fuzz.py).
SMALLEST, LARGEST = 1e-30, 1e30


def sfo_template(args) -> dict:
    from batchlab.theory import sfo

    x = errors.real("x", args.x, ge=SMALLEST, le=LARGEST)
    y = errors.real("y", args.y, ge=SMALLEST, le=LARGEST)
    z = errors.real("z", args.z, ge=0, le=LARGEST)
    eps = errors.real("eps", args.eps, gt=z, ge=z + SMALLEST, le=LARGEST)  # ε − Z ≥ 1e-30 (or one ulp of a large Z)
    b_star = sfo.optimal_batch(y, eps, z, args.noise)
    steps = sfo.template_steps(b_star, x, y, eps, z, args.noise)
    payload = {"noise": args.noise, "x": x, "y": y, "z": z, "eps": eps, "b_star": b_star, "steps_at_b_star": steps,
               "sfo_at_b_star": sfo.minimal_sfo(x, y, eps, z, args.noise),
               "template": "X/K + Y/b + Z" if args.noise == "mean-square" else "X/K + Y/sqrt(b) + Z"}
    if args.batch is not None:
        batch = errors.real("batch", args.batch, ge=SMALLEST, le=LARGEST)
        at = sfo.template_steps(batch, x, y, eps, z, args.noise)
        payload |= {"batch": batch, "steps_at_batch": number(at), "sfo_at_batch": number(batch * at),
                    "reachable_at_batch": math.isfinite(at)}
    return payload


def sfo_cbs(args) -> dict:
    import numpy as np

    from batchlab.sim.sfo import measure_sfo_cbs

    problem = _problem(args, nqm_dim=1000, binned=False, linreg_dim="inf")
    if args.targets is None:
        targets = np.geomspace(1e-2, 1e-4, 5)
    else:
        targets = errors.vector("targets", args.targets, positive=True)
    measured = measure_sfo_cbs(problem, lr=args.lr, targets=targets)
    rows = [{"target": t.target, "b_star": t.measured.b_star, "at_edge": t.measured.at_edge,
             "sfo": float(np.nanmin(t.measured.complexity)), "theorem": t.theorem, "floor": t.floor,
             "measured_over_floor": t.measured.b_star / t.floor_on_grid} for t in measured.targets]
    return {"system": args.engine, "problem": problem.spec, "lr": measured.lr,
            "constants": measured.constants.to_dict(), "slope": number(measured.slope()), "targets": rows,
            "measure": "(1/K) sum_{k<K} E|grad f(theta_k)|^2, exact; b_star = argmin_B B*K(B) on a 2^(1/16) grid",
            "theorem_definition": "2Y/eps, Y = L eta sigma^2/(2 - L eta) (descent lemma)",
            "floor_definition": "2Y_floor/eps, Y_floor = lim B * G(infinity, B) of the engine"}


def _problem(args, *, nqm_dim: int, binned: bool, linreg_dim):
    """The problem of ``--system``, ``--dim`` (else the verb's defaults) and the linreg flags."""
    from batchlab.sim.linreg import LinRegProblem
    from batchlab.sim.nqm import NQMProblem

    if args.engine == "nqm":
        return NQMProblem.paper(errors.integer("dim", nqm_dim if args.dim is None else args.dim), binned=binned)
    return LinRegProblem.power_law(args.a, args.b, linreg_dim if args.dim is None else args.dim, sigma=args.sigma)


def _problem_flags(parser, dim_help: str) -> None:
    """``--system`` and the problem's flags, shared by ``sfo cbs`` and ``sfo growth``."""
    add = parser.add_argument
    add("--system", dest="engine", choices=["nqm", "linreg"], required=True, help="the exact engine")
    add("--dim", type=count, help=f"dimension (default: {dim_help})")
    add("--a", type=float, default=1.5, help="linreg spectrum exponent a > 1 (default 1.5)")
    add("--b", type=float, default=2.5, help="linreg source exponent b (default 2.5)")
    add("--sigma", type=float, default=1.0, help="linreg label noise (default 1)")


def sfo_growth(args) -> dict:
    from batchlab.sim.sfo import FACTORS, compare_growth

    problem = _problem(args, nqm_dim=10_000, binned=True, linreg_dim=64)
    if args.batch_factors is None and args.lr_factors is None:
        factors = FACTORS
    else:
        deltas = [errors.real("batch_factors", d, gt=1, le=64) for d in args.batch_factors or (2.0, 4.0)]
        gammas = [errors.real("lr_factors", g, gt=0, le=64) for g in args.lr_factors or (1.0,)]
        factors = [(d, g) for d in deltas for g in gammas]
    max_steps = errors.integer("max_steps", args.max_steps, ge=10)
    if max_steps > 10**8:
        raise errors.InvalidParameter("max_steps", "an integer in [10, 10^8]", max_steps)
    compared = compare_growth(problem, target=args.target, factors=factors, max_steps=max_steps)

    def point(p):
        return {**p.to_dict(), "bounded": p.bounded, "saving": number(compared.constant.sfo / p.sfo)}

    return {"system": args.engine, "problem": problem.spec, "target": compared.target, "max_steps": max_steps,
            "constant": compared.constant.to_dict(), "growth": [point(p) for p in compared.growth],
            "best": point(compared.best), "saving": number(compared.saving),
            "measure": "stochastic gradients until the expected loss (NQM) or last-iterate excess risk (linreg) "
                       "first reaches the target; learning rates capped at 0.999 of the stability limit"}


def render_growth(p: dict) -> str:
    c = p["constant"]
    lines = [f"{p['system']}, target {p['target']:g}: constant B = {c['batch']:g}, lr {c['lr']:.4g}: "
             f"{c['sfo']:.5g} stochastic gradients",
             f"{'delta':>6}  {'gamma':>6}  {'g^2<d':>5}  {'SFO':>11}  {'saving':>7}  {'b_0':>6}  {'lr_0':>9}  {'L':>7}"]
    for g in p["growth"]:
        found = g["sfo"] is not None
        lines.append(f"{g['batch_factor']:>6.3g}  {g['lr_factor']:>6.3g}  {'yes' if g['bounded'] else 'no':>5}  "
                     f"{cell(g['sfo'], '>11.5g')}  {cell(g['saving'], '>7.3f')}  {cell(g['batch'], '>6g')}  "
                     f"{cell(g['lr'], '>9.4g')}  {cell(g['stage_steps'], '>7d')}" + ("" if found else
                                                                                  "  (not within 2x constant)"))
    return "\n".join(lines)


def render_cbs(p: dict) -> str:
    c = p["constants"]
    lines = [f"{p['system']}, lr {p['lr']:g}: L {c['smoothness']:.4g}, sigma^2 {c['noise_variance']:.4g}, "
             f"Y {c['y']:.4g}, Y_floor {c['y_floor']:.4g} (Y/Y_floor = {c['y'] / c['y_floor']:.3g})",
             f"{'target':>10}  {'b* measured':>12}  {'2Y/eps':>10}  {'2Yf/eps':>10}  {'meas/floor':>10}  {'B*K':>10}"]
    for row in p["targets"]:
        edge = " (edge)" if row["at_edge"] else ""
        lines.append(f"{row['target']:>10.4g}  {row['b_star']:>12.5g}  {row['theorem']:>10.5g}  "
                     f"{row['floor']:>10.5g}  {cell(row['measured_over_floor'], '>10.5f')}  {row['sfo']:>10.4g}{edge}")
    if p["slope"] is not None:
        lines.append(f"log-log slope of b* against eps: {p['slope']:.4f} (template: -1)")
    return "\n".join(lines)


def add_parsers(systems) -> None:
    """Register ``batchlab sfo template``, ``batchlab sfo cbs`` and ``batchlab sfo growth``."""
    from batchlab.theory.sfo import NOISE

    sfo = systems.add_parser("sfo", help="SFO-complexity critical batch size (Iiduka group, Sato et al.)",
                             allow_abbrev=False)
    verbs = sfo.add_subparsers(dest="verb", required=True, metavar="<verb>")

    template = add_verb(
        verbs, "template", run=sfo_template,
        help="b* = argmin b*K(b) for a bound X/K + Y/b + Z (or Y/sqrt(b)) reaching eps",
        description="The template of the SFO-complexity papers: K(b) = X b/((eps - Z) b - Y) and b* = 2Y/(eps - Z) "
                    "(mean-square bounds, SGD), or K(b) = X sqrt(b)/((eps - Z) sqrt(b) - Y) and b* = "
                    "9Y^2/(4(eps - Z)^2) (first-moment bounds, Muon). Derived with sympy.")
    add = template.add_argument
    add("--x", type=float, required=True, help="X, the 1/K coefficient (> 0)")
    add("--y", type=float, required=True, help="Y, the noise coefficient (> 0)")
    add("--z", type=float, default=0.0, help="Z, the floor (>= 0; default 0, as for SGD)")
    add("--eps", type=float, required=True, help="target eps > Z")
    add("--noise", choices=NOISE, default="mean-square",
        help="Y/b (mean-square, default) or Y/sqrt(b) (first-moment)")
    add("--batch", type=float, help="also evaluate K and b*K at this batch size")

    cbs = add_verb(
        verbs, "cbs", run=sfo_cbs, render=render_cbs,
        help="measured argmin of B*K(B) for constant-step SGD on the NQM or linear regression, vs 2Y/eps",
        description="K(B) = the first K with (1/K) sum_{k<K} E|grad f(theta_k)|^2 <= eps, exactly (the measure of "
                    "the SFO bounds), for constant-step SGD at --lr; b* = argmin_B B*K(B) at each target, set "
                    "against the theorem's 2Y/eps (Y = L eta sigma^2/(2 - L eta)) and the engine's noise floor "
                    "2Y_floor/eps. NQM: the paper's h_i = 1/i, C = H; linreg: lambda_i = i^-a, lambda_i w*_i^2 = "
                    "i^-b, label noise --sigma.")
    _problem_flags(cbs, "NQM 1000, linreg the untruncated spectrum")
    add = cbs.add_argument
    add("--lr", type=float, default=0.5, help="constant learning rate, 0 < lr < 2/L (default 0.5; L = 1 here)")
    add("--targets", type=float, nargs="+", metavar="EPS", help="targets (default 5 from 1e-2 to 1e-4)")

    growth = add_verb(
        verbs, "growth", run=sfo_growth, render=render_growth,
        help="growth schedules b_m = b_0 delta^m, lr_m = lr_0 gamma^m vs the best constant batch and lr, in SFO",
        description="Stochastic gradients until the expected loss (NQM: binned h_i = 1/i, C = H) or the last "
                    "iterate's excess risk (linreg: lambda_i = i^-a, lambda_i w*_i^2 = i^-b) first reaches --target, "
                    "exactly: the best constant (B, lr) against each growth (delta, gamma) with b_0, lr_0 and the "
                    "stage length L tuned (Umeda & Iiduka). Learning rates are capped at 0.999 of the stability "
                    "limit. Default pairs: delta 2 and 4, gamma 1, delta^(1/4), 0.95 delta^(1/2), 1.2 delta^(1/2).")
    _problem_flags(growth, "NQM 10^4 binned, linreg 64")
    add = growth.add_argument
    add("--target", type=float, required=True, help="target loss (NQM) or excess risk (linreg)")
    add("--batch-factors", type=float, nargs="+", metavar="DELTA", help="batch growth factors delta > 1")
    add("--lr-factors", type=float, nargs="+", metavar="GAMMA", help="learning-rate factors gamma > 0 (default 1)")
    add("--max-steps", type=count, default=10**6, help="step limit of every run (default 10^6)")
