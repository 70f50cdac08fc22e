"""Figures (matplotlib) and explorers (ipywidgets) over the model; the model never imports these.

:mod:`msatheory.interactive.figures` holds each chapter's figures, functions from model
values to a matplotlib ``Figure``; :mod:`.basics`, :mod:`.design`, :mod:`.discovery` and
:mod:`.gateway` hold each chapter's explorer, a widget built on those figures.
"""
