"""Figures (matplotlib) and widgets (ipywidgets) over the model; the model never imports these."""
