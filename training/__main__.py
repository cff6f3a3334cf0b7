"""Command line: the only way the Django side runs training (as a subprocess).

    python -m training train RUN_DIR/spec.json      train; progress lines on stdout
    python -m training evaluate RUN_DIR/spec.json   score adapters; eval.json, printed
    python -m training generate RUN_DIR/generate.json  batched candidates; candidates.jsonl
    python -m training prepare-demo [--cache-dir D] convert/cache the demo model, print its path

Exit codes: 0 success; 2 bad input (spec, files, rows, hyperparameters; the message on
stderr says which); 1 anything else (traceback on stderr); 143 terminated (SIGTERM). stdout carries only our JSON
lines: whatever libraries print goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import traceback

# Before anything imports huggingface_hub: models are local, never fetched.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # we fork no workers; silences a warning

from .config import SpecError  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("train", help="train an adapter from RUN_DIR/spec.json").add_argument("spec")
    commands.add_parser("evaluate", help="evaluate adapters named by RUN_DIR/spec.json").add_argument("spec")
    commands.add_parser("generate", help="generate candidates from RUN_DIR/generate.json").add_argument("spec")
    demo = commands.add_parser("prepare-demo", help="convert the demo model once; print its directory")
    demo.add_argument("--cache-dir", help="default: $FEEDBACK_MODEL_CACHE or <repo>/var/models")
    args = parser.parse_args(argv)

    # SIGTERM (a Celery time limit, a deploy) unwinds like an exception, so the run records
    # an error event and removes its scratch folders before exiting. SIGKILL cannot be
    # caught; the next attempt cleans up instead (see run.py).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    _stop_with_launcher()
    # Keep stdout for our lines: libraries that print (progress bars, log dicts) go to stderr.
    out, sys.stdout = sys.stdout, sys.stderr
    try:
        if args.command == "train":
            from .run import train

            train(args.spec, stdout=out)
        elif args.command == "generate":
            from .generate import generate

            generate(args.spec, stdout=out)
        elif args.command == "evaluate":
            from .run import evaluate

            out.write(json.dumps(evaluate(args.spec)) + "\n")
        else:
            from .registry import resolve_base_model

            out.write(f"{resolve_base_model('demo', args.cache_dir)}\n")
        return 0
    except SpecError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:
        traceback.print_exc()
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        out.flush()
        sys.stdout = out


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _stop_with_launcher() -> None:
    """Under torchrun (RANK set) each worker runs in a session of its own: a SIGKILL of the
    launcher's process group would leave it training on, unseen. Linux can SIGTERM a
    process when its parent dies; ask for that."""
    if "RANK" not in os.environ or not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() == 1:  # the launcher died before the request took effect
        raise SystemExit(128 + signal.SIGTERM)


if __name__ == "__main__":
    sys.exit(main())
