"""Entry point: `python -m bench` runs every benchmark and prints its table."""

from __future__ import annotations

import sys

from bench import import_participants


def main() -> int:
    """Run the benchmarks; the exit status is non-zero only when one of them crashes."""
    return import_participants.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
