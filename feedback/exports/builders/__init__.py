"""The row builders, one module per dataset (preference, unpaired, sft, raw), and what
they share: the task context rows are made from (tasks.py) and the vote tallies
(votes.py)."""
