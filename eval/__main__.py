"""`python -m eval` (or `minerlens-eval`): the accuracy entry point, apart from the service.

    python -m eval [--errors] [--file F] [--llm] [--update-baseline]   # extraction vs the gold labels
    python -m eval answers [--ingest] --data-dir DIR                   # answers vs the question sets
    python -m eval xbrl-hidden                                         # text extractor vs tagged debt facts

Nothing in service/ imports eval (tests/test_architecture.py): eval drives the service from above.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "answers":
        from eval.answers import main as run
        argv = argv[1:]
    elif argv and argv[0] == "xbrl-hidden":
        from eval.xbrl_hidden import main as run
        argv = argv[1:]
    else:
        from eval.run import main as run
    return run(argv)


if __name__ == "__main__":
    raise SystemExit(main())
