"""``batchlab scg bst|transfer|simulate``: the SCG batch-size paper's BST and transfer rules, and eq. 26 simulated.

The paper is Islamov et al. 2026 ([Islamov 2026] in docs/references.md).

Thin parsing over :mod:`batchlab.theory.scg` and :mod:`batchlab.sim.scg`; :mod:`batchlab.cli` registers the verbs. Every
value is validated here, so a
bad one is a one-line error naming the flag.
"""

from dataclasses import asdict

from batchlab._cli_common import add_fields, add_verb, count, from_fields, long_request
from batchlab.sim import errors
from batchlab.sim.results import number

# The constants and budgets the verbs take, kept where the closed forms' intermediates (powers up to the third,
# e^{3c}) stay finite floats: every answer is then a number, not an overflow.
SMALLEST, LARGEST, LARGEST_C = 1e-30, 1e30, 50.0


def _positive(name, value):
    return errors.real(name, value, ge=SMALLEST, le=LARGEST)


def scg_bst(args) -> dict:
    from batchlab.theory import scg

    L, mu, rho = _positive("L", args.L), _positive("mu", args.mu), _positive("rho", args.rho)
    sigma_star, tokens, c = _positive("sigma_star", args.sigma_star), _positive("tokens", args.tokens), \
        errors.real("c", args.c, gt=0, le=LARGEST_C)
    chosen, other = (scg.bst_point(L, mu, rho, sigma_star, tokens, c, constants=flag)
                     for flag in (not args.no_constants, args.no_constants))

    def fields(point):
        return {key: value for key, value in asdict(point).items() if key != "constants"} | {
            "theorem_constants": point.constants, "regime_exponent": 2 / 3 if point.flat_regime else 4 / 7}

    payload = {"L": L, "mu": mu, "rho": rho, "sigma_star": sigma_star, "tokens": tokens, "c": c} | fields(chosen) | {
        ("without_constants" if chosen.constants else "with_constants"): fields(other),
        "error_definition": "eq. 34 of Islamov et al. 2026 (log factor dropped): E[f(x_K) - f*] at BS*"}
    if args.bs is not None:
        bs = errors.real("bs", args.bs, gt=0, le=tokens)

        def at(constants):
            error, regime = scg.budget_error(L, mu, rho, sigma_star, tokens, bs, c, constants=constants)
            return {"error": error, "regime": regime,
                    "terms": scg.budget_error_terms(L, mu, rho, sigma_star, tokens, bs, c, constants=constants)}

        payload["at_bs"] = {"bs": bs, "with_constants": at(True), "without_constants": at(False)}
    return payload


def render_bst(p: dict) -> str:
    """The scalars as a table, then eq. 34 at --bs under both constant conventions."""
    lines = [f"{key:<20}  {value:.6g}" if isinstance(value, float) else f"{key:<20}  {value}"
             for key, value in p.items() if not isinstance(value, dict)]
    lines.append("(the other constant convention and every key: see --json)")
    if "at_bs" in p:
        at = p["at_bs"]
        lines.append(f"eq. 34 at B*S = {at['bs']:.6g}:")
        for convention in ("with_constants", "without_constants"):
            terms = ", ".join(f"{name} {value:.4g}" for name, value in at[convention]["terms"].items())
            lines.append(f"  {convention.replace('_', ' '):<17}  error {at[convention]['error']:.4g}, "
                         f"regime {at[convention]['regime']}  ({terms})")
    return "\n".join(lines)


def scg_transfer(args) -> dict:
    from batchlab.theory import scg

    t0, t1 = _positive("tokens_from", args.tokens_from), _positive("tokens_to", args.tokens_to)
    batch, seq = errors.integer("batch", args.batch), errors.integer("seq", args.seq)
    beta0 = errors.real("beta", args.beta, gt=0, le=1)
    pairs = {}
    for name in ("L", "mu", "rho"):
        values = getattr(args, name)
        pairs[name] = (1.0, 1.0) if values is None else tuple(_positive(name, v) for v in values)
    if args.rule == "sqrt":
        if any(pair != (1.0, 1.0) for pair in pairs.values()):
            raise errors.InvalidParameter("rule", "'bst' when --L, --mu or --rho is given (the square-root rule of "
                                                  "App. C.1 uses the budgets only)", args.rule)
        bs, beta = scg.transfer_sqrt(batch * seq, beta0, t0, t1)
    else:
        bs, beta = scg.transfer_bst(batch * seq, beta0, t0, t1, **pairs)
    iterations0, iterations1 = t0 / (batch * seq), t1 / bs
    return {"rule": args.rule, "tokens_from": t0, "tokens_to": t1, "bs_from": batch * seq, "beta_from": beta0,
            "bs": bs, "beta": beta, "batch_at_same_seq": bs / seq, "seq": seq, "iterations_from": iterations0,
            "iterations": iterations1, "beta_times_iterations_from": beta0 * iterations0,
            "beta_times_iterations": beta * iterations1,
            "L": list(pairs["L"]), "mu": list(pairs["mu"]), "rho": list(pairs["rho"])}


PROBLEMS = {"quadratic": dict(family="power_law", anisotropic=False),
            "quadratic-anisotropic": dict(family="power_law", anisotropic=True),
            "matrix": dict(family="matrix"),
            "logistic": dict(family="separable", loss="logistic"),
            "exponential": dict(family="separable", loss="exponential")}
DEFAULT_DIM = {"power_law": 100, "matrix": 16, "separable": 16}


def _problem(args):
    """The test problem the flags name, and its ``--dim`` (d, or d_out = d_in for the matrix problem)."""
    from batchlab.sim.scg import problem_from_spec

    spec = dict(PROBLEMS[args.problem])
    dim = errors.integer("dim", DEFAULT_DIM[spec["family"]] if args.dim is None else args.dim)
    if spec["family"] == "matrix":
        return problem_from_spec(spec | {"d_out": dim, "d_in": dim}), dim
    if spec["family"] == "separable":
        return problem_from_spec(spec | {"dim": dim, "examples": args.examples, "margin": args.margin}), dim
    return problem_from_spec(spec | {"dim": dim}), dim


def scg_simulate(args) -> dict:
    from batchlab.sim.parallel import default_workers
    from batchlab.sim.scg import SCGSettings, Stage, eq26_for_run, estimated_seconds, scg_monte_carlo

    problem, dim = _problem(args)
    settings = from_fields(args, SCGSettings)
    budget = dict(batch=args.batch, seq=args.seq, tokens=args.tokens, beta=args.beta, schedule=args.schedule)
    batch, seq, iterations, _ = Stage(args.batch, args.seq, args.tokens, args.beta).checked()
    reps = errors.integer("reps", args.reps, ge=2)
    seconds = estimated_seconds(problem, settings, batch=batch, seq=seq, iterations=iterations, reps=reps,
                                workers=default_workers())
    what = f"Monte Carlo over {iterations:.3g} steps, {reps} replicates"
    with long_request(args, seconds, name="tokens", value=args.tokens, what=what):
        run = scg_monte_carlo(problem, settings, **budget, reps=reps, seed=args.seed)
    bound = eq26_for_run(problem, settings, **budget)
    return {"problem": args.problem, "dim": dim, "parameters": problem.dim, "spec": problem.spec,
            **settings.to_dict(), **budget, "iterations": int(run.steps[-1]), "reps": args.reps, "seed": args.seed,
            "suboptimality": number(run.mean[-1]) if run.mean is not None else None,
            "stderr": number(run.stderr[-1]) if run.stderr is not None else None, "diverged": run.diverged,
            "n_diverged": run.n_diverged, "bound_eq26": number(bound.value),
            "bound_vacuous": bound.vacuous, "bound_reason": bound.reason,
            "bound_conditions_broken": bound.conditions_broken,
            "constants": problem.constants(settings.lmo, settings.radius),
            "suboptimality_definition": "E[f(x_K) - f*], last iterate, Monte Carlo mean"}


def add_parsers(systems) -> None:
    """Register ``batchlab scg bst``, ``transfer`` and ``simulate``."""
    from batchlab.sim.scg import SCHEDULES, SCGSettings

    scg = systems.add_parser("scg", help="stochastic conditional gradient (Scion/Muon-like) batch size",
                             allow_abbrev=False)
    verbs = scg.add_subparsers(dest="verb", required=True, metavar="<verb>")

    bst = add_verb(
        verbs, "bst", run=scg_bst, render=render_bst,
        help="the BST rule BS* = (T mu rho sigma*/L)^(2/3) and the regimes around it",
        description="Eq. 34 of Islamov et al. 2026 at token budget T: the B*S where the flat regime meets the "
                    "iteration-starved one (BS*), the noise-dominated boundary, the iterations K = T/BS*, the step "
                    "beta = c/K, Theorem 4.1's alpha there, and the error at BS*. With the theorem's constants by "
                    "default (BS* = 2^(-4/3) e^(-c) (T mu rho sigma*/L)^(2/3)); --no-constants gives the paper's "
                    "short form; the other variant is always reported too.")
    add = bst.add_argument
    add("--L", type=float, required=True, help="smoothness constant L (A1, dual norm)")
    add("--mu", type=float, required=True, help="mu-KL constant (A3)")
    add("--rho", type=float, required=True, help="norm-equivalence constant, ||x||_* <= rho ||x||_2 (A2)")
    add("--sigma-star", type=float, required=True, help="noise per token: sigma^2 = sigma*^2/(B S)")
    add("--tokens", type=float, required=True, help="token budget T = K B S")
    add("--c", type=float, default=1.0, help="beta K (default 1)")
    add("--no-constants", action="store_true", help="headline values without Theorem 4.1's constants (eq. 3)")
    add("--bs", type=float, metavar="X", help="also evaluate eq. 34 at B*S = X (0 < X <= T) and name its regime, "
                                              "with and without the theorem's constants")

    transfer = add_verb(
        verbs, "transfer", run=scg_transfer, help="transfer B*S and beta from a tuned budget to a larger one",
        description="Eqs. 7 and 9 (bst, default; give --L, --mu, --rho as from-to pairs when the model changes: "
                    "eq. 12, or only --rho for the same model: eq. 13) or the square-root rule of App. C.1 "
                    "(eqs. 16-17).")
    add = transfer.add_argument
    add("--tokens-from", type=float, required=True, help="budget T0 the settings were tuned at")
    add("--tokens-to", type=float, required=True, help="target budget T1")
    add("--batch", type=count, required=True, help="tuned batch size B0 (sequences)")
    add("--seq", type=count, required=True, help="tuned sequence length S0")
    add("--beta", type=float, required=True, help="tuned step beta0")
    for name in ("L", "mu", "rho"):
        add(f"--{name}", type=float, nargs=2, metavar=(f"{name.upper()}0", f"{name.upper()}1"),
            help=f"{name} of the tuned and the target setting (default: unchanged)")
    add("--rule", choices=["bst", "sqrt"], default="bst", help="transfer rule (default bst)")

    simulate = add_verb(
        verbs, "simulate", run=scg_simulate,
        help="Monte Carlo of SCG on a test problem with known constants, vs eq. 26",
        description="Runs Algorithm 1 (or uSCG) for K = tokens // (batch*seq) iterations from x_0 = 0 on a test "
                    "problem with proved constants: a quadratic f(x) = 1/2 sum_i i^-1 (x_i - x*_i)^2 (d = --dim, "
                    "||x*||_2 = 0.5; noise isotropic or shaped like the curvature), matrix least squares "
                    "1/2 sum_j j^-1 ||X_j - X*_j||^2 (--dim x --dim, LMO spectral, spectral-ns or l2), or logistic or "
                    "exponential loss on --examples separable points (f* = 0). Stochastic gradients are Gaussian of "
                    "variance sigma*^2 (r/B + (1 - r)/(B S)) with r = --correlation shared by the tokens of one "
                    "sequence (0: the paper's sigma*^2/(B S)), or --sampling finite-sum (separable problems: the mean "
                    "gradient of B S examples). Reports the mean last-iterate suboptimality with its standard error "
                    "and Theorem 4.1's eq. 26 with the problem's L, mu, rho in the LMO's geometry (and which of the "
                    "theorem's conditions the run breaks, if any).")
    add = simulate.add_argument
    add("--problem", choices=sorted(PROBLEMS), default="quadratic", help="test problem (default quadratic)")
    add("--batch", type=count, required=True, help="batch size B (sequences)")
    add("--seq", type=count, required=True, help="sequence length S (tokens per sequence)")
    add("--tokens", type=count, required=True, help="token budget T = K B S")
    add("--beta", type=float, required=True, help="Frank-Wolfe step beta in (0, 1]")
    add("--schedule", choices=SCHEDULES, default="constant",
        help="constant beta (the theory) or the experiments' linear warmdown over the last 28%%")
    add("--dim", type=count, help="dimension d (default 100 for quadratics, 16 otherwise; matrix: d x d)")
    add("--examples", type=count, default=64, help="examples of a separable problem (default 64)")
    add("--margin", type=float, default=0.5, help="margin of a separable problem's data (default 0.5)")
    add("--reps", type=count, default=100, help="Monte Carlo replicates (default 100)")
    add("--seed", type=count, default=0, help="seed (default 0)")
    add_fields(simulate.add_argument_group("settings (bl.scg.SCGSettings, one flag per field)"), SCGSettings)
