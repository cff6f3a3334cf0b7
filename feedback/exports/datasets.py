"""Dataset rows derived from raw labels, streamed in constant memory: the builders by
dataset name, and what callers pass them.

Nothing is written back: raw labels stay as they are. Row shapes are TRL's formats:
  preference  {"prompt", "chosen", "rejected"}         (DPO, reward model)
  unpaired    {"prompt", "completion", "label"}        (KTO)
  sft         {"messages"} or {"prompt", "completion"} (SFT, from rewrites)
  ratings     {"prompt", "completion", <aspect means, counts, spreads>, "score", …}
              (reward-model regression, from rubric ratings: builders/ratings.py)
  raw         one row per label, for people who aggregate their own way
in TRL's conversational form (lists of messages) or its plain-text form.

How it stays fast at a million labels: pair tasks (the bulk) are tallied by the
database — one row of weighted vote sums per task, streamed in task order
(builders/votes.py, streaming.py); rank and thumbs labels stream one row each. Prompts
and candidates are then read a chunk of tasks at a time by id range (builders/tasks.py),
and JSON stays text until a row needs it. feedback.exports.aggregate decides every
majority, whoever summed the votes. Preference pairs go further (builders/preference.py):
one query streams each pair task's tally with its prompt and candidate texts, and rows
written as JSON Lines are formatted straight from those columns (json_text.py,
row_stream.py).
"""
from feedback.exports.builders.preference import preference_rows
from feedback.exports.builders.ratings import ratings_rows
from feedback.exports.builders.raw import raw_rows
from feedback.exports.builders.sft import sft_rows
from feedback.exports.builders.unpaired import unpaired_rows
from feedback.exports.summary import ExportSummary

EXTRA_COLUMNS = ("agreement", "strength", "votes", "task_id", "prompt_id", "split", "adjudicated", "source",
                 "score_margin", "turn_index")
FORMS = ("conversational", "text")
BUILDERS = {"preference": preference_rows, "unpaired": unpaired_rows, "sft": sft_rows, "ratings": ratings_rows,
            "raw": raw_rows}

__all__ = ["BUILDERS", "EXTRA_COLUMNS", "FORMS", "ExportSummary"]
