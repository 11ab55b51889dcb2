"""The strategy report: 13x13 starting-hand grids per betting spot, as a static site and in
the terminal (``python -m holdem.cli.report``, ``query --grid``).

Layer: above ``eval`` (it reads blueprints through :mod:`holdem.eval.blueprint`), below ``cli``.
"""
