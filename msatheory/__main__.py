"""Command line: ``theory`` lists the catalogue, ``errata`` runs the errata, ``check`` checks
architecture files, docker-compose files and Kubernetes manifests against the theory,
``exercises`` lists the exercises, ``grade`` grades submitted notebooks, ``glossary`` lists
the terms and ``course`` the lessons with their minutes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from msatheory import theory
from msatheory.check.formats import FORMATS, systems
from msatheory.check.report import Report, check_system
from msatheory.errors import TheoryError
from msatheory.theory.render import myst_page, text_table


def _theory(args: argparse.Namespace) -> int:
    statements = [s for s in theory.catalogue() if args.chapter in (None, s.chapter)]
    if args.format == "text":
        print(text_table(statements))
        return 0
    from msatheory.exercises import exercises
    from msatheory.exercises.catalogue import label

    posed: dict[str, list[tuple[str, str]]] = {}
    for exercise in exercises():
        posed.setdefault(exercise.statement, []).append((exercise.id, label(exercise)))
    print(myst_page(statements, posed), end="")
    return 0


def _lesson_path(notebook: Path) -> str:
    """A lesson as the catalogue names it: ``notebooks/03a_registry_and_health.ipynb``."""
    return f"notebooks/{notebook.name}"


def _errata(args: argparse.Namespace) -> int:
    if args.format == "myst":
        from msatheory.theory.erratum import found_in
        from msatheory.theory.glossary import lessons
        from msatheory.theory.render import errata_page

        taught = lessons()
        found = {e.key: _lesson_path(where) for e in theory.errata()
                 if (where := found_in(e.key, taught)) is not None}
        print(errata_page(theory.errata(), theory.stubs(), found), end="")
        return 0
    for erratum in theory.errata():
        print(erratum)
        print("  " + str(erratum.demonstrate()).replace("\n", "\n  "))
        print(f"  corrected by {erratum.corrected_by}: "
              f"{'holds' if erratum.verify_corrected() else 'FAILS'}")
        print()
    declared = theory.stubs()
    if declared:
        print(f"Declared stubs (简化实现), not counted as errata: {len(declared)}")
        for stub in declared:
            print(f"{stub}\n  modelled by {stub.modelled_by}")
    return 0


def _glossary(args: argparse.Namespace) -> int:
    from msatheory.theory.glossary import GLOSSARY, defined_in, lessons
    from msatheory.theory.render import glossary_page, glossary_table

    taught = lessons()
    defined = {t.term: _lesson_path(where) if (where := defined_in(t, taught)) else None
               for t in GLOSSARY}
    if args.format == "myst":
        print(glossary_page(GLOSSARY, theory.catalogue(), defined), end="")
    else:
        print(glossary_table(GLOSSARY, defined))
    return 0


def _course(args: argparse.Namespace) -> int:
    from msatheory.exercises import exercises
    from msatheory.exercises.catalogue import label
    from msatheory.theory.glossary import lessons
    from msatheory.theory.render import course_page, course_table

    taught = lessons()
    if not taught:
        raise TheoryError("course: the lessons are the notebooks of a checkout of the "
                          "project, and none was found beside the package")
    assigned: dict[str, list[tuple[str, str]]] = {}
    for exercise in exercises():
        assigned.setdefault(exercise.lesson, []).append((exercise.id, label(exercise)))
    render = course_page if args.format == "myst" else course_table
    print(render(taught, theory.catalogue(), assigned), end="\n" if args.format == "text"
          else "")
    return 0


def _check(args: argparse.Namespace) -> int:
    """Exit status 0 when every statement holds for every system, 1 when one is violated,
    2 when a file is unusable (each of its errors, one line each, goes to standard error)."""
    status = 0
    reports: list[dict[str, object]] = []
    checked: list[Report] = []
    for name, system in systems(args.files, args.kind, args.each):
        if isinstance(system, TheoryError):
            for line in str(system).splitlines():
                print(f"msatheory: {line}", file=sys.stderr)
            reports.append({"file": name, "error": str(system)})
            status = 2
            continue
        report = check_system(system)
        status = max(status, 0 if report.holds else 1)
        reports.append(report.as_dict())
        checked.append(report)
    if args.format == "json":
        document = reports[0] if len(reports) == 1 else reports
        print(json.dumps(document, ensure_ascii=False, indent=2))
    elif args.format == "html" and checked:
        from msatheory.check.html import page

        print(page(checked, f"msatheory check: {', '.join(args.files)}"), end="")
    elif checked:
        print("\n\n".join(map(str, checked)))
    return status


def _exercises(args: argparse.Namespace) -> int:
    from msatheory.exercises import exercises
    from msatheory.exercises.catalogue import myst_page
    from msatheory.theory.render import grid

    posed = tuple(e for e in exercises() if args.chapter in (None, e.chapter))
    if args.format == "myst":
        print(myst_page(posed), end="")
        return 0
    rows = [(e.id, e.statement, e.kind, "*" * e.difficulty, e.title,
             e.lesson.removeprefix("notebooks/").removesuffix(".ipynb")) for e in posed]
    print(grid(("exercise", "statement", "kind", "level", "title", "lesson"), rows))
    return 0


def _grade(args: argparse.Namespace) -> int:
    try:
        import nbclient  # noqa: F401
    except ImportError:
        raise TheoryError("grading runs notebooks with nbclient, which is not installed: "
                          "pip install 'msatheory[lab]'") from None
    from msatheory.exercises.grade import grade, table

    rows = grade(args.submissions, limit=args.limit)
    print(table(rows, args.format), end="")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2 for unusable input)."""
    parser = argparse.ArgumentParser(prog="msatheory", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("theory", help="list the numbered statements")
    listing.add_argument("--format", choices=("text", "myst"), default="text")
    listing.add_argument("--chapter", type=int, choices=range(1, 9), metavar="1-8")
    listing.set_defaults(run=_theory)
    listing = commands.add_parser("errata", help="run every erratum's counterexample")
    listing.add_argument("--format", choices=("text", "myst"), default="text",
                         help="myst: the book's errata index")
    listing.set_defaults(run=_errata)
    checking = commands.add_parser(
        "check", help="check architecture, docker-compose or Kubernetes files",
        description="Run every applicable checker of the catalogue on the systems the FILEs "
                    "describe. A folder stands for its .yaml, .yml and .json files, and - for "
                    "standard input. Kubernetes manifests given together are one system; "
                    "compose files given together merge in order, as docker compose -f merges "
                    "them; each architecture file is a system. Exit status: 0 when every "
                    "statement holds, 1 when one is violated, 2 when a file is unusable.")
    checking.add_argument("files", nargs="+", metavar="FILE")
    checking.add_argument("--format", choices=("text", "json", "html"), default="text",
                          help="html: one self-contained page for every system")
    checking.add_argument("--as", dest="kind", choices=tuple(FORMATS),
                          help="read every FILE as this kind (default: detected)")
    checking.add_argument("--each", action="store_true",
                          help="check every file as a system of its own")
    checking.set_defaults(run=_check)
    listing = commands.add_parser("exercises", help="list the exercises")
    listing.add_argument("--format", choices=("text", "myst"), default="text")
    listing.add_argument("--chapter", type=int, choices=[*range(1, 9), 90], metavar="1-8|90")
    listing.set_defaults(run=_exercises)
    listing = commands.add_parser("glossary", help="list the terms, in English and Chinese")
    listing.add_argument("--format", choices=("text", "myst"), default="text")
    listing.set_defaults(run=_glossary)
    listing = commands.add_parser("course", help="list the lessons with their minutes and "
                                                 "exercises")
    listing.add_argument("--format", choices=("text", "myst"), default="text")
    listing.set_defaults(run=_course)
    grading = commands.add_parser(
        "grade", help="grade submitted notebooks",
        description="Execute each SUBMISSION notebook in a fresh kernel and print one row per "
                    "learner (the notebook's name) and exercise: passed, not yet, not run, or "
                    "error when the notebook could not be graded.")
    grading.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    grading.add_argument("--format", choices=("csv", "json"), default="csv")
    grading.add_argument("--limit", type=float, default=300.0,
                         help="seconds each notebook may run (default 300)")
    grading.set_defaults(run=_grade)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except TheoryError as error:
        print(f"msatheory: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (e.g. `head`) stopped early
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
