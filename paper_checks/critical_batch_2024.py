"""Zhang et al. 2024, "How Does Critical Batch Size Scale in Pre-training?" ([Zhang 2024] in docs/references.md).

Each check recomputes a published number, table or claim from what the paper states and
returns (claimed, recomputed, status, note). Tables are transcribed from the seed text.
Tolerances are the published rounding: a value printed with k decimals matches when the
recomputation rounds to it (|difference| ≤ half a unit in the last place, plus 1e-9).
"""

import functools
import math

import numpy as np
import sympy as sp

from batchlab.sim.linreg import PAPER_STRATEGIES, LinRegProblem, compare_strategies, measure_cbs_scaling
from batchlab.theory import critical_batch as cb
from batchlab.theory import gaussian_moments as gm
from batchlab.theory.linreg import cbs_exponent, corollary8_rate_exponents

PAPER = "cbs2024"
TITLE = "How Does Critical Batch Size Scale in Pre-training? (Zhang et al. 2024)"

B_OPT, OVERHEAD = 256, 1.2  # §3.2 and the Table 6 caption
# Table 6: model, a, b, (α), log2 B* as printed.
TABLE6_FIXED = (("85M", 1293.83, 2834258.08, 9.54), ("151M", 1752.42, 5677478.78, 9.90),
                ("302M", 2095.35, 11383269.89, 10.44), ("604M", 2459.93, 19449688.59, 10.88),
                ("1.2B", 3897.31, 43381130.22, 11.31))
TABLE6_FITTED = (("85M", 1348.31, 3386537.23, 1.03, 9.34), ("151M", 1943.53, 8259867.95, 1.07, 9.51),
                 ("302M", 2281.48, 13977184.09, 1.04, 10.20), ("604M", 2733.81, 23738850.26, 1.04, 10.62),
                 ("1.2B", 3388.53, 36748556.71, 0.97, 11.62))
MODEL_MILLIONS = {"85M": 85.0, "151M": 151.0, "302M": 302.0, "604M": 604.0, "1.2B": 1200.0}
# Table 7: model size (B), forecast, log2; token size (B), forecast, log2.
TABLE7 = ((1.5, 2862.17, 11.48, 30, 2833.31, 11.47), (2.0, 3274.93, 11.68, 40, 3240.99, 11.66),
          (2.5, 3635.65, 11.83, 50, 3597.20, 11.81), (3.0, 3959.69, 11.95, 60, 3917.12, 11.94),
          (3.5, 4256.09, 12.06, 70, 4209.70, 12.04), (4.0, 4530.72, 12.15, 80, 4480.76, 12.13),
          (4.5, 4787.63, 12.23, 90, 4734.29, 12.21), (5.0, 5029.77, 12.30, 100, 4973.22, 12.28),
          (5.5, 5259.34, 12.36, 110, 5199.73, 12.34), (6.0, 5478.06, 12.42, 120, 5415.52, 12.40))
MODEL_LAW, TOKEN_LAW = (93.20, 0.47), (22.91, 0.47)  # B* = c·N^β (N in millions), B* = c·D^β ("D in billions")
# Table 1 and App. G: Chinchilla steps at batch 256 and context 512 with C_Chin ≈ 20.34 tokens per parameter.
TABLE1 = (("85M", 85e6, 13193), ("151M", 151e6, 23438), ("302M", 302e6, 46875), ("604M", 604e6, 93750),
          ("1.2B", 1.2e9, 187500))
C_CHIN, CONTEXT, BATCH = 20.34, 512, 256


def _rounds_to(value, printed, decimals):
    return abs(value - printed) <= 0.5 * 10.0**-decimals + 1e-9


def _status(ok):
    return "match" if ok else "mismatch"


def table6_fixed_alpha():
    """Table 6(a): log2 B* = log2(b/(5a) + 1.2·256) for every row (α = 1)."""
    got = [math.log2(cb.table6_cbs(a, b, 1.0, B_OPT, OVERHEAD)) for _, a, b, _ in TABLE6_FIXED]
    worst = max(abs(g - row[3]) for g, row in zip(got, TABLE6_FIXED))
    return (", ".join(f"{row[0]} {row[3]:.2f}" for row in TABLE6_FIXED),
            ", ".join(f"{row[0]} {g:.4f}" for g, row in zip(got, TABLE6_FIXED)),
            _status(all(_rounds_to(g, row[3], 2) for g, row in zip(got, TABLE6_FIXED))),
            f"every row reproduces to the printed 2 decimals (largest |difference| {worst:.4f})")


def table6_fitted_alpha():
    """Table 6(b): the caption's B* = ((b + 5a·1.2·B_opt)/(5a))^{1/α} for every row, α known to ±0.005."""
    rows, ok = [], True
    for name, a, b, alpha, printed in TABLE6_FITTED:
        ends = [math.log2(cb.table6_cbs(a, b, alpha + s, B_OPT, OVERHEAD)) for s in (0.005, -0.005)]
        ok &= ends[0] - 0.005 <= printed <= ends[1] + 0.005
        rows.append(f"{name} [{ends[0]:.3f}, {ends[1]:.3f}]")
    return (", ".join(f"{r[0]} {r[4]:.2f}" for r in TABLE6_FITTED),
            "caption formula over α ± 0.005: " + ", ".join(rows),
            _status(ok), "every printed value lies in the range the rounded α allows (the caption formula is what "
                         "the table used; see table6_caption_formula_vs_transition for whether it is right)")


def table6_caption_formula_vs_transition():
    """§3.2 defines B* by (a + b/B^α)·B = 1.2·(a + b/B_opt^α)·B_opt; the caption's formula solves it only at α = 1."""
    diffs = []
    for name, a, b, alpha, printed in TABLE6_FITTED:
        root = math.log2(cb.transition_cbs(a, b, alpha, B_OPT, OVERHEAD))
        caption = math.log2(cb.table6_cbs(a, b, alpha, B_OPT, OVERHEAD))
        diffs.append((name, root, caption))
    worst = max(abs(r - c) for _, r, c in diffs)
    return ("B* = ((b + 5a·1.2·B_opt)/(5a))^{1/α} (Table 6 caption) solves D_total(B) = 1.2·D_total(B_opt)",
            "roots of the stated equation, log2: " + ", ".join(f"{n} {r:.2f} (caption {c:.2f})" for n, r, c in diffs),
            "mismatch",
            f"for α ≠ 1 the caption's closed form is not the root of the paper's own defining equation "
            f"(a + b/B^α)B = 1.2(a + b/B_opt^α)B_opt: log2 B* differs by up to {worst:.2f} (a factor "
            f"{2**worst:.2f}); Table 6(b) used the caption's form")


def fixed_vs_fitted_alpha_agree():
    """§3.2: 'both strategies [α = 1 and fitted α] yield nearly identical forecasting results'."""
    gaps = [abs(f[3] - g[4]) for f, g in zip(TABLE6_FIXED, TABLE6_FITTED)]
    return ("nearly identical forecasts with α = 1 and fitted α",
            "|Δ log2 B*| between Table 6(a) and 6(b): "
            + ", ".join(f"{r[0]} {g:.2f}" for r, g in zip(TABLE6_FIXED, gaps)),
            "inconclusive",
            f"the paper's own tables differ by {min(gaps):.2f}–{max(gaps):.2f} in log2 B* (factors "
            f"{2**min(gaps):.2f}–{2**max(gaps):.2f}), in both directions; whether that is 'nearly identical' is a "
            "judgement. In exact linear regression (batchlab linreg cbs) the α = 1 fit gives about half the "
            "Definition 3 value while fitted α agrees with it")


def model_size_law_from_table6():
    """§3.2: fitting log B* = log d + β log N (N in millions) to Table 6(a) gives B* = 93.20·N^0.47."""
    lines = {}
    for label, top in (("1.2B = 1200M", 1200.0), ("1.2B = 1208M (Table 5)", 1208.0)):
        n = np.array([MODEL_MILLIONS[r[0]] for r in TABLE6_FIXED[:-1]] + [top])
        beta, log_d = np.polyfit(np.log(n), np.array([r[3] for r in TABLE6_FIXED]) * math.log(2), 1)
        lines[label] = (math.exp(log_d), beta)
    d, beta = lines["1.2B = 1208M (Table 5)"]
    ok = _rounds_to(beta, MODEL_LAW[1], 2) and abs(d - MODEL_LAW[0]) / MODEL_LAW[0] < 0.01
    return ("B* = 93.20·N^0.47", "; ".join(f"{k}: {c:.2f}·N^{e:.4f}" for k, (c, e) in lines.items()), _status(ok),
            "least squares in log B* on Table 6(a)'s five rows reproduces the law (closest with the 1.2B model at "
            "its Table 5 size, 1208M); the coefficient is sensitive to that size at the 0.5% level")


def table7_model_column():
    """Table 7, model sizes: forecast = 93.20·N^0.47 with N in millions, and its log2."""
    got = [MODEL_LAW[0] * (row[0] * 1000) ** MODEL_LAW[1] for row in TABLE7]
    rel = [g / row[1] - 1 for g, row in zip(got, TABLE7)]
    beta = np.polyfit(np.log([r[0] * 1000 for r in TABLE7]), np.log([r[1] for r in TABLE7]), 1)[0]
    spread = [row[1] * ((row[0] * 1000) ** 0.005) for row in TABLE7]  # effect of the exponent's rounding
    within = all(abs(g - row[1]) <= s - row[1] for g, row, s in zip(got, TABLE7, spread))
    logs = all(_rounds_to(math.log2(row[1]), row[2], 2) for row in TABLE7)
    return (f"{TABLE7[0][1]} … {TABLE7[-1][1]} for 1.5B … 6B",
            f"{got[0]:.2f} … {got[-1]:.2f} with β = 0.47 exactly (relative {min(rel):+.2%} … {max(rel):+.2%}); "
            f"the printed forecasts imply β = {beta:.4f}",
            _status(within and logs),
            "consistent with the stated law once the printed exponent's rounding (0.47 ± 0.005) is allowed; the "
            "table was computed with the unrounded exponent. Every log2 column entry matches its forecast")


def table7_token_column():
    """Table 7, token sizes: forecast = 22.91·D^0.47 with 'data size D in billions'."""
    billions = [TOKEN_LAW[0] * row[3] ** TOKEN_LAW[1] for row in TABLE7]
    millions = [TOKEN_LAW[0] * (row[3] * 1000) ** TOKEN_LAW[1] for row in TABLE7]
    coef = math.exp(np.polyfit(np.log([r[3] * 1000 for r in TABLE7]), np.log([r[4] for r in TABLE7]), 1)[1])
    ratio = TABLE7[0][4] / billions[0]
    return (f"{TABLE7[0][4]} … {TABLE7[-1][4]} for 30B … 120B tokens, D in billions",
            f"D in billions: {billions[0]:.1f} … {billions[-1]:.1f}; D in millions: {millions[0]:.1f} … "
            f"{millions[-1]:.1f}",
            "mismatch",
            f"with the stated unit the forecasts are {ratio:.0f}× smaller (1000^0.47); the printed column is "
            f"22.91·D^0.47 with D in millions of tokens (refit coefficient {coef:.2f}, exponent within rounding). "
            "In millions, and with D = 20N, the token law is the model law again (22.91·20^0.47 ≈ 93)")


def table1_chinchilla_steps():
    """Table 1: steps = C_Chin·N/(ctx_len·bsz) with C_Chin ≈ 20.34, ctx_len = 512, bsz = 256."""
    got = [C_CHIN * n / (CONTEXT * BATCH) for _, n, _ in TABLE1]
    implied = [steps * CONTEXT * BATCH / n for _, n, steps in TABLE1]
    ok = all(abs(c - C_CHIN) < 0.005 for c in implied)
    return (", ".join(f"{r[0]} {r[2]}" for r in TABLE1), ", ".join(f"{r[0]} {g:.0f}" for g, r in zip(got, TABLE1)),
            _status(ok),
            "implied tokens per parameter: " + ", ".join(f"{r[0]} {c:.3f}" for c, r in zip(implied, TABLE1))
            + f". Every row but 1.2B gives 20.344; 1.2B gives 20.48 (steps {got[-1]:.0f} ≠ 187500, −0.7%). "
              "187500 = 2·93750 is the 1.208B of Table 5 at 20.344. Also 23438·256·512 = 3.072B tokens for 151M, "
              "as §3.3 states")


def cbs_from_definition3():
    """§3.2: D_total = (a + b/B_opt)·1.2·B_opt = (a + b/B)·B gives B* = b/(5a) + 1.2·B_opt (α = 1)."""
    solution, s = cb.derive_linear_transition()
    paper = s["b"] / (5 * s["a"]) + sp.Rational(6, 5) * s["B_opt"]
    ok = sp.simplify(solution.subs(s["c"], sp.Rational(6, 5)) - paper) == 0
    return ("B* = b/(5a) + 1.2·B_opt", f"sympy: B* = {sp.simplify(solution)} with c = 6/5", _status(ok),
            "Definition 3's f(B') ≤ 1.2·D/B' is the same condition as f(B')·B' ≤ 1.2·D, so with f = a + b/B and "
            "f(B_opt)·B_opt = D the derivation is exact")


def fourth_moment_step():
    """Proof of Theorem 7: 'E[xxᵀAxxᵀ] − HAH = 2tr(HA)H' for x ~ N(0, H)."""
    H, A = gm.symmetric_symbols("h", 2), gm.symmetric_symbols("a", 2)
    residual = sp.simplify(gm.fourth_moment(H, A) - H * A * H - 2 * (H * A).trace() * H)
    status = "match" if residual == sp.zeros(2, 2) else "mismatch"
    return ("E[xxᵀAxxᵀ] − HAH = 2tr(HA)H", "E[xxᵀAxxᵀ] − HAH = HAH + tr(HA)H (Isserlis)", status,
            "the paper's form exceeds the true one by tr(HA)H − HAH ≽ 0: an upper bound in PSD order, "
            "so only constants change (its lower-bound constant β = 2/B should be 1/B)")


def corollary8_exponent():
    """Corollary 8: B* ≈ D^{1 − a/min(b, 2a+1)} for b > a, B* = 1 for b ≤ a, from Theorem 7's expression."""
    points = [(1.5, 2.5), (1.5, 6.0), (2.0, 1.5), (1.2, 3.4)]
    got = [cbs_exponent(a, b) for a, b in points]
    want = [max(0.0, 1 - a / min(b, 2 * a + 1)) for a, b in points]
    return ("B* ≈ D^{1 − a/min{b, 2a+1}} (b > a); B* = 1 (b ≤ a)",
            "sympy derivation from Theorem 7: "
            + ", ".join(f"(a={a}, b={b}) {g:.4f}" for (a, b), g in zip(points, got)),
            _status(np.allclose(got, want, atol=1e-12)),
            "the minimisation in the proof is right; measured on the exact engine the exponent is approached "
            "only slowly (batchlab linreg cbs; README)")


def which_error_dominates_below_a():
    """Discussion after Corollary 8: 'when b < a, the variance error tends to dominate the bias error'."""
    a, b = 2.0, 1.5
    bias_rate, variance_rate = corollary8_rate_exponents(a, b)
    dominant = "bias" if bias_rate > variance_rate else "variance"
    return ("b < a: variance dominates", f"b < a: {dominant} dominates (a={a}, b={b}: bias ∝ D^{bias_rate:.3f}, "
            f"variance ∝ D^{variance_rate:.3f})", "match" if dominant == "variance" else "mismatch",
            "the proof's case 1 (b ≤ a) has the bias term dominating; the sentence should read b > a "
            "for the variance-dominated regime")


def informal_corollary2_range():
    """Corollary 2 (informal): 'where the variance error tends to be dominant, 0 < c < 1/2' for B* = Θ(D^c)."""
    a = sp.symbols("a", positive=True)
    sup = sp.simplify(1 - a / (2 * a + 1))  # c = 1 − a/min(b, 2a+1) is largest for b ≥ 2a + 1
    example = cbs_exponent(1.5, 4.0)
    return ("0 < c < 1/2 in the variance-dominated regime (b > a)",
            f"c ranges over (0, {sup}) = (0, (a+1)/(2a+1)), which exceeds 1/2 for every a; e.g. a=1.5, b=4: "
            f"c = {example:.3f}",
            "mismatch" if example > 0.5 else "match",
            "(a+1)/(2a+1) > 1/2 always, and lies in (1/2, 2/3) for a > 1: the informal bound 1/2 is wrong for "
            "b > 2a (Corollary 8 itself states the exponent correctly)")


# The strategy claims are measured as the gallery figure linreg_strategies measures them (the same sweeps, so its
# cache serves both): a = 1.5, b = 2.5 on the untruncated spectrum, D = 12288, everything tuned per batch size.
STRATEGY_SETTING = dict(a=1.5, b=2.5, dim="inf", samples=12288, scaling_samples=(768, 1536, 3072, 6144, 12288, 24576))
# Table 4: optimal τ per batch size, 85M and 151M (β_1 = 0.95, lr 3.16e-3).
TABLE4_TAU = {"85M": ((64, 0.9995), (128, 0.9995), (256, 0.9995), (512, 0.998), (1024, 0.99), (2048, 0.99),
                      (4096, 0.99), (8192, 0.98), (16384, 0.98)),
              "151M": ((64, 0.998), (128, 0.998), (256, 0.998), (512, 0.998), (1024, 0.95), (2048, 0.99),
                       (4096, 0.99), (8192, 0.95), (16384, 0.99))}


def _strategy_problem():
    s = STRATEGY_SETTING
    return LinRegProblem.power_law(s["a"], s["b"], s["dim"])


@functools.cache
def _comparison():
    return compare_strategies(_strategy_problem(), STRATEGY_SETTING["samples"])


@functools.cache
def _ewa_scaling():
    return measure_cbs_scaling(_strategy_problem(), list(STRATEGY_SETTING["scaling_samples"]),
                               strategy=PAPER_STRATEGIES["constant + EWA"])


def _ratios(name, over="constant + EWA"):
    """(batch sizes, f(name)/f(over)) where both reach the common target."""
    c = _comparison()
    ratio = c.ratio(name, over)
    reached = np.isfinite(ratio)
    return c.batch_sizes[reached], ratio[reached]


def _span(batches, ratio) -> str:
    return f"{ratio[0]:.2f}× at B = {batches[0]:g}, {ratio[-1]:.2f}× at B = {batches[-1]:g}"


def ewa_matches_cosine():
    """C.1, App. D: constant + EWA 'performs competitively with cosine scheduling' (Figures 4, 9)."""
    batches, ratio = _ratios("cosine")
    ok = bool(np.all(ratio >= 1 / 1.1))
    return ("constant + EWA at least as efficient as cosine (within 10%) at every batch size",
            f"cosine/EWA steps: {_span(batches, ratio)}, range {ratio.min():.2f}–{ratio.max():.2f}",
            _status(ok), "exact linear regression (a = 1.5, b = 2.5, untruncated, D = 12288), every hyperparameter "
                         "tuned per batch size and cosine's horizon swept: constant + EWA is not just competitive "
                         "but 16–40% faster than cosine at every batch size")


def ewa_beats_wsd_at_large_batch():
    """App. D: constant + EWA 'outperforms WSD scheduling, especially for large batch size regimes'."""
    batches, ratio = _ratios("WSD")
    large = batches >= batches[len(batches) // 2]
    ok = bool(np.all(ratio[large] > 1.0) and ratio[large].mean() >= ratio[~large].mean())
    return ("WSD needs more steps than constant + EWA, more so at large batch",
            f"WSD/EWA steps: {_span(batches, ratio)}; mean {ratio[~large].mean():.2f} over the smaller half of the "
            f"batch sizes, {ratio[large].mean():.2f} over the larger", _status(ok),
            "WSD's decay chosen from the paper's 0.1, 0.2, 0.3 per batch size and its horizon swept; the advantage "
            "of constant + EWA is at small batch here, and shrinks as the batch grows")


def ewa_beats_constant():
    """C.1: 'EWA consistently improves model training efficiency compared to using a constant learning rate'."""
    batches, ratio = _ratios("constant")
    c = _comparison()
    never = [b for b, f in zip(c.batch_sizes, c.steps["constant"]) if not np.isfinite(f)
             and np.isfinite(c.steps["constant + EWA"][list(c.batch_sizes).index(b)])]
    ok = bool(np.all(ratio > 1.0))
    missing = f"; never within the step limit at B = {', '.join(f'{b:g}' for b in never)}" if never else ""
    return ("constant lr's last iterate needs more steps than constant + EWA at every batch size",
            f"constant/EWA steps: {_span(batches, ratio)}{missing}", _status(ok),
            "the constant learning rate tuned per batch size too")


def momentum_small_at_small_batch():
    """App. E: 'in small batch size regimes ... the gap ... with and without momentum β_1 is small' and grows with B."""
    c = _comparison()
    rows, ok = [], True
    for beta in c.momentum_steps:
        ratio = c.momentum_ratio(beta)
        reached = np.isfinite(ratio)
        batches, ratio = c.batch_sizes[reached], ratio[reached]
        upper = batches >= batches[len(batches) // 2]
        ok &= bool(abs(ratio[0] - 1.0) <= 0.05 and np.abs(ratio[upper] - 1.0).max() >= 0.1)
        rows.append(f"β = {beta:g}: {_span(batches, ratio)} (widest {ratio.max():.2f}× at B = "
                    f"{batches[int(np.argmax(ratio))]:g})")
    return ("|f(B) with momentum / without − 1| small at small B, large at large B", "; ".join(rows), _status(ok),
            "heavy ball on constant + EWA (τ tuned), steps over those at β = 0; 'match': within 5% at the smallest "
            "batch, 10% or more off somewhere in the larger half of the batch sizes. The gap is a cost before it is "
            "a gain: "
            "every β needs more steps at intermediate batch sizes, fewer only at the largest and only for β ≤ 0.95 "
            "(β = 0.975 costs steps past the smallest batch): unlike the paper (Adam), no momentum does not hurt")


def momentum_09_like_0975():
    """App. E: 'momentum 0.9 and 0.975 have similar effects on the number of steps ... and critical batch sizes'."""
    c = _comparison()
    ratio = c.momentum_steps[0.975] / c.momentum_steps[0.9]
    reached = np.isfinite(ratio)
    ok = bool(np.all(np.abs(np.log(ratio[reached])) <= math.log(1.1)))
    return ("β = 0.9 and 0.975 need similar steps",
            f"steps at 0.975 over 0.9: {_span(c.batch_sizes[reached], ratio[reached])}, range "
            f"{ratio[reached].min():.2f}–{ratio[reached].max():.2f}", _status(ok),
            "'match' if within 10% at every batch size where both reach the target")


def longer_training_larger_tau():
    """App. D, Figure 10: 'when enlarging the training data size ... the optimal EWA decay rate τ would increase'."""
    measured = _ewa_scaling()
    taus = [m.hyperparameters["risk"]["ema_decay"][0] for m in measured]
    windows = [1.0 / (1.0 - t) for t in taus]
    ok = bool(np.all(np.diff(taus) > 0))
    return ("the tuned τ grows with the data size", "τ for R(D, 1) at D = "
            + ", ".join(f"{d}: {t:.5f} (window {w:.0f} steps)" for d, t, w in zip(measured.samples, taus, windows)),
            _status(ok), f"the window 1/(1 − τ) is {windows[0] / measured.samples[0]:.3f}.."
                         f"{windows[-1] / measured.samples[-1]:.3f} of the run: a near-constant share of the steps")


def larger_tau_at_large_batch():
    """App. G: 'for large batch sizes (>1024), a smaller β_2 and larger τ tend to be more effective' (and Table 4)."""
    table = {name: [tau for _, tau in rows] for name, rows in TABLE4_TAU.items()}
    falls = {name: taus[-1] < taus[0] for name, taus in table.items()}
    c = _comparison()
    chosen = np.array(c.chosen["constant + EWA"]["ema_decay"], dtype=float)
    reached = np.isfinite(chosen)
    windows = 1.0 / (1.0 - chosen[reached])
    samples_window = windows * c.batch_sizes[reached]
    return ("larger τ at B > 1024, smaller at small B",
            "Table 4: τ " + "; ".join(f"{n} {t[0]} at B = 64 → {t[-1]} at 16384" for n, t in table.items())
            + f". Linear regression (f(B) at D = {c.samples}): τ {chosen[reached][0]:.5f} at B = "
              f"{c.batch_sizes[reached][0]:g} → {chosen[reached][-1]:.4f} at {c.batch_sizes[reached][-1]:g}",
            "mismatch" if all(falls.values()) and chosen[reached][-1] < chosen[reached][0] else "inconclusive",
            "the paper's own Table 4 has τ falling with the batch size, as the tuned τ does in linear regression, "
            f"where the window in samples, B/(1 − τ), stays within {samples_window.min():.0f}.."
            f"{samples_window.max():.0f} (D = {c.samples}): a share of the data, so fewer steps per window as B grows")


CHECKS = (table6_fixed_alpha, table6_fitted_alpha, table6_caption_formula_vs_transition, fixed_vs_fitted_alpha_agree,
          model_size_law_from_table6, table7_model_column, table7_token_column, table1_chinchilla_steps,
          cbs_from_definition3, fourth_moment_step, corollary8_exponent, which_error_dominates_below_a,
          informal_corollary2_range, ewa_matches_cosine, ewa_beats_wsd_at_large_batch, ewa_beats_constant,
          momentum_small_at_small_batch, momentum_09_like_0975, longer_training_larger_tau, larger_tau_at_large_batch)
