"""Real-time depth-limited search on top of a blueprint (Pluribus / Modicum).

Layers inside the package, lowest first: ``config`` (SearchConfig), ``hands`` (hand sets,
card removal, runouts), ``subgame`` (the betting tree of the current round), ``solver`` (the
vectorised range-against-range DCFR kernels), ``continuation`` (depth-limit leaf values
from the blueprint's biased continuation strategies), ``beliefs`` (ranges by Bayes' rule),
``resolve`` (one search from a spot), ``agent`` (the search agent of the real game),
``small_game`` (the search's full policy on Leduc, for exact best response).
"""
