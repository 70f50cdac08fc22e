"""Command line: ``python -m msatheory theory`` lists the catalogue, ``errata`` runs the errata."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from msatheory import theory
from msatheory.errors import TheoryError
from msatheory.theory.render import myst_page, text_table


def _theory(args: argparse.Namespace) -> int:
    statements = [s for s in theory.catalogue() if args.chapter in (None, s.chapter)]
    print(myst_page(statements) if args.format == "myst" else text_table(statements), end="")
    if args.format == "text":
        print()
    return 0


def _errata(args: argparse.Namespace) -> int:
    for erratum in theory.errata():
        print(erratum)
        print("  " + str(erratum.demonstrate()).replace("\n", "\n  "))
        print(f"  corrected by {erratum.corrected_by}: "
              f"{'holds' if erratum.verify_corrected() else 'FAILS'}")
        print()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2 for unusable input)."""
    parser = argparse.ArgumentParser(prog="msatheory", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("theory", help="list the numbered statements")
    listing.add_argument("--format", choices=("text", "myst"), default="text")
    listing.add_argument("--chapter", type=int, choices=range(1, 9), metavar="1-8")
    listing.set_defaults(run=_theory)
    commands.add_parser("errata", help="run every erratum's counterexample").set_defaults(
        run=_errata
    )
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
