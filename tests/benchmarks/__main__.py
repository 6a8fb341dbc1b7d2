"""Entry point of ``python -m tests.benchmarks``: every benchmark, or one with ``--only``.

    python -m tests.benchmarks                     # deck import, live lecture, then records
    python -m tests.benchmarks --postgres URL      # the same, the live lecture on PostgreSQL,
                                                   # then 20 lectures on 4 processes (load_bench)
    python -m tests.benchmarks --only import ...   # the import benchmark and its options
    python -m tests.benchmarks --only lecture ...  # the live lecture benchmark and its options
    python -m tests.benchmarks --only records ...  # the cohort records benchmark and its options
    python -m tests.benchmarks --only attendance   # crediting a 300-trainee lecture day

Without --only, each benchmark takes the options it knows (all take --workdir; import and
records both take --database-url and --repeat).
"""

import argparse
import sys

from tests.benchmarks import (
    attendance_bench,
    import_bench,
    lecture_bench,
    load_bench,
    records_bench,
    targets,
)

TITLES = {
    "lecture": "one process, one lecture of 1,000 phones",
    "load": "4 app processes and a worker, 20 lectures of 250 phones (PostgreSQL)",
    "records": "records",
}


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
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run the live lecture on this PostgreSQL database (its name has 'bench'), then the "
        "load test of many lectures on several processes",
    )
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
    if args.postgres:
        lecture_args.database_url = args.postgres
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
    status = max(status, attendance_bench.main([]))
    if args.postgres:
        print("\n")
        sys.stdout.flush()
        status = max(status, load_bench.main(["--database-url", args.postgres]))
    print("\n\nevery target of the run (issue 14), together")
    for benchmark, title in TITLES.items():
        lines = [line for of, line in targets.SEEN if of == benchmark]
        if lines:
            print(f"{title}\n" + "\n".join(lines))
    return status


sys.exit(main(sys.argv[1:]))
