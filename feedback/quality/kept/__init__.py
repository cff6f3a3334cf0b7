"""Kept figures: what the quality dashboard, the disputed queue and the leaderboard read,
kept up to date as labels arrive instead of recomputed from every label on each view.

- contributions: one task's contribution to the figures, from its labels (pure Python);
- sums: adding and taking out contributions (nested counts);
- folding: the fold, which takes the tasks whose labels changed (TaskChange, written by
  database triggers) and moves their contributions between cells;
- selection: which cells a filter takes whole, leaves out, or cuts through;
- reading: the figures for a filter: whole cells' sums, and the cut tasks recomputed.

Every figure is exact: the sums are integers (coincidence counts per unit size, tallies),
and the ratios and alphas are computed from them as the from-labels path computes them.
"""
