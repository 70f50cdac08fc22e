"""The chapters' figures: functions from model values to a matplotlib ``Figure``.

One module per chapter topic (:mod:`.architecture` for chapter 1, :mod:`.design` for
chapter 2, :mod:`.discovery` for chapter 3), and :mod:`.png`, which renders a figure to
PNG bytes fast enough for a widget's handler. No module here imports ipywidgets: the
explorers in :mod:`msatheory.interactive` put these figures in widgets.
"""
