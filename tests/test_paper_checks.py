"""Pinned statuses of the paper checks, and the check-papers command."""

import json

import pytest

from batchlab.cli import main
from batchlab.paper_checks import PAPERS, CheckResult, run

pytestmark = pytest.mark.slow  # every check of every paper, once per session: 220 s cold on 2 cores

EXPECTED = {("cbs2024", name): status for name, status in {
    "table6_fixed_alpha": "match", "table6_fitted_alpha": "match", "table6_caption_formula_vs_transition": "mismatch",
    "fixed_vs_fitted_alpha_agree": "inconclusive", "model_size_law_from_table6": "match",
    "table7_model_column": "match", "table7_token_column": "mismatch", "table1_chinchilla_steps": "mismatch",
    "cbs_from_definition3": "match", "fourth_moment_step": "mismatch", "corollary8_exponent": "match",
    "which_error_dominates_below_a": "mismatch", "informal_corollary2_range": "mismatch",
    "ewa_matches_cosine": "match", "ewa_beats_wsd_at_large_batch": "mismatch", "ewa_beats_constant": "match",
    "momentum_small_at_small_batch": "match", "momentum_09_like_0975": "mismatch",
    "longer_training_larger_tau": "match", "larger_tau_at_large_batch": "mismatch"}.items()} | {
    ("nqm", name): status for name, status in {
        "steps_fall_then_level_off": "match", "cbs_grows_with_preconditioning": "match",
        "preconditioning_helps_at_small_batch": "match", "momentum_helps_at_large_batch": "match",
        "momentum_equals_sgd_at_small_batch": "mismatch", "ema_helps_small_batch_only": "match",
        "schedules_help_when_noisy": "match", "optimal_schedule_starts_at_the_cap": "mismatch",
        "optimal_lr_linear_then_capped": "match",
        "lower_targets_larger_cbs": "match", "information_bound": "match", "notebook_step_count": "mismatch",
        "notebook_steady_state_guard": "match", "bisection_is_safe_for_sgd": "match",
        "bisection_with_momentum": "mismatch",
        "momentum_transition_matrix": "match", "eigendecomposition_at_critical_damping": "match"}.items()} | {
    ("scg", name): status for name, status in {
        "table3_multipliers": "match", "one_b_batch_and_beta": "match", "section67_budget_transfer": "mismatch",
        "appendix_c1_square_root_rule": "mismatch", "beta_times_iterations": "match",
        "fitted_laws_against_tables": "mismatch", "tables_1_and_2_agree": "mismatch",
        "best_configuration": "inconclusive",
        "theorem_alpha_at_bst": "mismatch", "restart_settings": "match"}.items()} | {
    ("related2025", name): status for name, status in {
        "sfo_cbs_scales_as_one_over_eps": "match", "full_gauss_newton_gap": "inconclusive",
        "growth_schedules_reduce_sfo": "match", "muon_critical_batch_size": "match",
        "muon_beyond_the_cbs": "match"}.items()}


def test_every_check_has_its_pinned_status():
    results = {(r.paper, r.check): r.status for r in run()}
    assert results == EXPECTED


def test_results_carry_claim_recomputation_and_note():
    for result in run():
        assert result.claimed and result.recomputed and result.note
    with pytest.raises(ValueError):
        CheckResult("p", "c", "x", "y", "wrong", "n")


def test_check_papers_command(capsys):
    assert main(["check-papers", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {(c["paper"], c["check"]): c["status"] for c in payload["checks"]} == EXPECTED
    assert main(["check-papers", "--paper", "nope"]) == 2
    assert "--paper" in capsys.readouterr().err
    assert set(PAPERS) == {"cbs2024", "nqm", "scg", "related2025"}
