"""Django-free training: a run spec + snapshot files in, a LoRA adapter + metrics out.

Run as a subprocess: `python -m training train RUN_DIR/spec.json` (see __main__.py and
run.py). The modules, one concern each:

    config.py     the spec contract and the shared hyperparameter defaults (pure Python)
    data.py       snapshot JSONL → checked rows in TRL's formats (pure Python)
    registry.py   base model names → local directories; demo model conversion
    models.py     device/precision choice; loading base models, tokenizers, adapters
    trainer_args.py  TRL arguments shared by all algorithms; CUDA micro-batch planning
    dpo.py reward.py kto.py   per algorithm: hyperparameters + its TRL trainer
    evaluate.py   held-out preference accuracy for new / compare / base models
    generate.py   batched candidates from one base + swapped adapters (generate_spec.py: its spec)
    progress.py callbacks.py  progress lines (progress.jsonl + stdout)
    artifacts.py  atomic writes; run.py  one run end to end

Importing this package (or config, data, progress, registry, dpo, reward, kto) does not
import torch, so the web process may use the spec and hyperparameter classes.
"""
