"""Reference solutions to the exercises, and the wrong answers each checker must catch.

Kept out of the lessons and the book: a lecturer reads them here. Each chapter module
holds ``SOLUTIONS`` (exercise id to a passing answer) and ``MUTANTS`` (exercise id to
answers a careless learner would write, each of which must get "not yet");
``tests/test_exercises.py`` holds every one of them.
"""
