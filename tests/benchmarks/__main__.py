"""Entry point of ``python -m tests.benchmarks``: every benchmark, or one with ``--only``.

    python -m tests.benchmarks                     # deck import, live lecture, then records
    python -m tests.benchmarks --only import ...   # the import benchmark and its options
    python -m tests.benchmarks --only lecture ...  # the live lecture benchmark and its options
    python -m tests.benchmarks --only records ...  # the cohort records benchmark and its options
    python -m tests.benchmarks --only attendance   # crediting a 300-trainee lecture day

Without --only, each benchmark takes the options it knows (all take --workdir; import and
records both take --database-url and --repeat).
"""

import argparse
import sys

from tests.benchmarks import attendance_bench, import_bench, lecture_bench, records_bench


def main(argv: list[str]) -> int:
    if "--child" in argv:  # the import benchmark measuring memory in a fresh process
        return import_bench.main(argv)
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
        allow_abbrev=False,
    )
    parser.add_argument("--only", choices=("import", "lecture", "records", "attendance"))
    parser.add_argument("-h", "--help", action="store_true")
    args, rest = parser.parse_known_args(argv)
    if args.help:
        if args.only:
            rest.append("--help")
        else:
            parser.print_help()
            return 0
    if args.only == "import":
        return import_bench.main(rest)
    if args.only == "lecture":
        return lecture_bench.main(rest)
    if args.only == "records":
        return records_bench.main(rest)
    if args.only == "attendance":
        return attendance_bench.main(rest)
    lecture_args, rest = lecture_bench.split_args(rest)
    records_args, import_argv = records_bench.split_args(rest)
    if lecture_args.workdir is not None:
        import_argv += ["--workdir", str(lecture_args.workdir)]
        records_args.workdir = lecture_args.workdir
    status = import_bench.main(import_argv)
    print("\n")
    sys.stdout.flush()
    status = max(status, lecture_bench.run(lecture_args))
    print("\n")
    sys.stdout.flush()
    status = max(status, records_bench.run(records_args))
    print("\n")
    sys.stdout.flush()
    return max(status, attendance_bench.main([]))


sys.exit(main(sys.argv[1:]))
