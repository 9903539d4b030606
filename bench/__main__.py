"""Entry point: `python -m bench` runs every benchmark; `python -m bench NAME [options]` runs one."""

from __future__ import annotations

import sys
import traceback

from bench import import_participants, participant_load, results, send_email, sms_rate, staff

BENCHMARKS = {
    "import": import_participants,
    "participant": participant_load,
    "email": send_email,
    "sms": sms_rate,
    "results": results,
    "staff": staff,
}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; the exit status is non-zero only when one of them crashes."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in BENCHMARKS:
        return BENCHMARKS[argv[0]].main(argv[1:])
    if argv:
        names = ", ".join(BENCHMARKS)
        print(
            f"usage: python -m bench [NAME [options]]  (NAME is one of {names}; "
            "python -m bench NAME --help lists its options)",
            file=sys.stderr,
        )
        return 2
    status = 0
    for name, benchmark in BENCHMARKS.items():
        print(f"== {name} ==", flush=True)
        try:
            status |= benchmark.main([])
        except Exception:  # noqa: BLE001 - report the crash and go on with the others
            traceback.print_exc()
            status = 1
        print(flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
