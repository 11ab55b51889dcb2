"""The search agent of the real game: the blueprint before ``from_street``, a depth-limited
search of the current round from then on (Pluribus, Brown & Sandholm, Science 2019).

Beliefs. At the start of every round each player's range (a weight per hole pair) is the
previous round's range times the probability of that player's actions in that round, given
each hand (Bayes' rule): from the blueprint in rounds it played (the opponent's off-tree
bets through the blueprint's pseudo-harmonic translation: the mixture of the translated
edges' probabilities), from the search's solution for both players in searched rounds.
The search root is the start of the current round, as in Pluribus, so the beliefs there
are fixed while the round is played.

Consistency. A round is solved at the agent's first decision in it; the agent then plays
the solution for as long as the real hand stays in the solved tree. When the opponent
takes an action the tree lacks (another bet size), the round is re-solved from its start
with that size added, and the agent's own earlier decisions of the round keep the
strategies they were played with (frozen), so its range stays the one it has.

Unsafe solving (both ranges taken as given) by default. ``SearchConfig.safe`` adds the
re-solving gadget (:mod:`holdem.search.resolve`; Burch, Johanson & Bowling 2014) with the
opponent's counterfactual values under the blueprint at the round's start, computed in the
blueprint's own action abstraction of the round (:meth:`Searcher.blueprint_values`); when
the hand has left the blueprint's tree there is nothing to compare with and the round is
solved unsafely.
"""
from __future__ import annotations

import time
import zlib

import numpy as np

from holdem.eval.agents import BlueprintStrategy, check_real_game
from holdem.eval.blueprint import Blueprint
from holdem.eval.ranges import NUM_PAIRS
from holdem.game.rules import RAISE, Action, BettingState
from holdem.search.config import SearchConfig, check_config
from holdem.search.continuation import follow, leaf_data, leaf_plan
from holdem.search.hands import HandSet, sample_runouts
from holdem.search.resolve import SubgameSolver
from holdem.search.subgame import DECISION, Subgame, build_subgame


class Solution:
    """A solved round: its subgame, the solver and the average strategy per hand."""

    def __init__(self, sub: Subgame, solver: SubgameSolver, seconds: float):
        self.sub = sub
        self.solver = solver
        self.strategy, self.leaf = solver.average()
        self.seconds = seconds

    def at(self, node: int) -> np.ndarray:
        """[actions, hands] at a decision node."""
        base = self.sub.slot_base[node]
        return self.strategy[base:base + self.sub.num_children[node]]


class Searcher:
    """Solves rounds of the real game on top of a blueprint (one per agent or query)."""

    def __init__(self, bp: Blueprint, config: SearchConfig | None = None):
        self.bp = bp
        self.strategy = BlueprintStrategy(bp)
        self.spec = bp.problem.spec
        check_real_game(self.spec)
        if self.spec.num_players != 2:
            raise ValueError("search is heads-up only")
        self.config = check_config(config or SearchConfig())
        self.hands = HandSet(self.spec)
        _warm_up(self.hands)

    def solve(self, root: BettingState, board: tuple[int, ...], ranges: np.ndarray, bp_round_node: int,
              extra: dict[tuple[str, ...], set[int]] | None = None, frozen: dict[tuple[str, ...], np.ndarray] | None = None,
              seed: int = 0, searcher: int = -1) -> Solution:
        """Solve the round that starts at ``root`` on ``board`` from ``ranges`` [2, 1326] for
        seat ``searcher`` (-1: no seat in particular: both choose leaf continuations, no gadget)."""
        cfg = self.config
        start = time.perf_counter()
        _check_board(board, root.street, self.spec)
        last = root.street == self.spec.num_streets - 1
        sub = build_subgame(root, cfg.sizes, cfg.max_raises, extra, cfg.allin_threshold, depth_limited=not last)
        rng = np.random.default_rng([cfg.seed, seed, zlib.crc32(bytes(list(board)))])
        runouts = sample_runouts(self.spec, tuple(board), cfg.runouts, rng)
        leaves = plan = None
        if not last:
            plan = leaf_plan(self.bp.problem, sub, bp_round_node, cfg.continuation_bias, cfg.continuations)
            leaves = plan.data(plan.cont(self.bp.problem, self.bp.average, self.buckets_of, tuple(board), runouts,
                                         self.hands.size))
        frozen_nodes = {}
        for hist, probs in (frozen or {}).items():
            node = sub.find(hist)
            if node >= 0 and sub.kind[node] == DECISION and probs.shape[0] == sub.num_children[node]:
                frozen_nodes[node] = probs
        runouts = runouts if not last else np.zeros((0, 0), dtype=np.int64)
        solver = SubgameSolver(sub, self.hands, ranges, tuple(board), runouts, leaves, frozen_nodes,
                               searcher=searcher if not last and cfg.leaf_choice == "opponent" else -1)
        if cfg.safe and searcher >= 0 and bp_round_node >= 0:
            solver.make_safe(1 - searcher, self.blueprint_values(root, board, ranges, bp_round_node, runouts,
                                                                 1 - searcher))
        elif plan is not None:  # the alternative values are for the first runouts: keep them then
            def redraw() -> tuple[np.ndarray, np.ndarray]:
                new = sample_runouts(self.spec, tuple(board), cfg.runouts, rng)
                return new, plan.cont(self.bp.problem, self.bp.average, self.buckets_of, tuple(board), new,
                                      self.hands.size)
            solver.redraw = redraw
        budget = cfg.time_budget - (time.perf_counter() - start) if cfg.time_budget else 0.0
        solver.run(cfg.iterations, max(budget, 1e-3) if cfg.time_budget else 0.0)
        return Solution(sub, solver, time.perf_counter() - start)

    def blueprint_values(self, root: BettingState, board: tuple[int, ...], ranges: np.ndarray, bp_round_node: int,
                         runouts: np.ndarray, seat: int) -> np.ndarray:
        """[1326]: ``seat``'s counterfactual value of each hand at the round's start when both
        play the blueprint (its own sizes; the gadget's alternative values for safe search)."""
        spec = self.spec
        street = root.street
        last = street == spec.num_streets - 1
        sizes = tuple(tuple(d) for d in spec.raise_sizes[street]) if spec.raise_sizes else ((1.0,),)
        sub = build_subgame(root, sizes, int(spec.max_raises[street]), None, float(spec.allin_threshold),
                            depth_limited=not last)
        leaves = None if last else leaf_data(self.bp.problem, self.bp.average, self.buckets_of, sub, self.hands,
                                             tuple(board), runouts, bp_round_node, 1.0, 1)
        solver = SubgameSolver(sub, self.hands, ranges, tuple(board), runouts, leaves)
        problem = self.bp.problem
        buckets = self.buckets_of(street, tuple(board))
        strategy = np.zeros_like(solver.strategy)
        for node in np.flatnonzero(sub.kind == DECISION):
            base, n = sub.slot_base[node], sub.num_children[node]
            bp_node = follow(problem, sub, int(node), bp_round_node)
            labels = [a.label for a in sub.actions[node]]
            if bp_node >= 0 and int(problem.tree.num_actions[bp_node]) == n:
                strategy[base:base + n] = self.bp.average[problem.layout.slots(bp_node, buckets)].T
            else:  # the blueprint cannot follow: it checks/calls, as off its tree
                strategy[base + labels.index("c")] = 1.0
        leaf = np.zeros_like(solver.leaf_strategy)
        leaf[:, :, 0] = 1.0
        return solver.counterfactual_values(seat, strategy, leaf)

    def buckets_of(self, street: int, board: tuple[int, ...]) -> np.ndarray:
        """The blueprint's bucket of every live hole pair on ``street``."""
        return self.strategy.pair_buckets(street, np.asarray(board, dtype=np.int64),
                                          self.hands.live(board).astype(np.float64))


_WARM: set[int] = set()


def _warm_up(hands: HandSet) -> None:
    """Compile (or load from numba's cache) the solver's kernels once per process, so that
    no search spends its time budget compiling: a two-iteration solve of a tiny river."""
    if _WARM:
        return
    from holdem.game.rules import initial_state

    state = initial_state(hands.spec)
    board = tuple(range(5))
    while state.street < 3:
        state = state.apply("c")
    sub = build_subgame(state, ((1.0,),), 1, depth_limited=False)
    solver = SubgameSolver(sub, hands, np.ones((2, hands.size)), board, np.zeros((0, 0), dtype=np.int64))
    solver.run(2)
    solver.average()
    _WARM.add(1)


def _check_board(board: tuple[int, ...], street: int, spec) -> None:
    need = int(np.sum(spec.board_cards[:street + 1]))
    if len(board) != need:
        raise ValueError(f"board: {len(board)} cards on street {street}; it needs {need}")
    if len(set(board)) != len(board) or any(not 0 <= c < spec.deck_size for c in board):
        raise ValueError(f"board: cards {list(board)} repeat or are not cards")


class SearchStrategy:
    """A blueprint with search, as a lone or field agent of :func:`holdem.eval.real_match.rotation_match`."""

    def __init__(self, bp: Blueprint, config: SearchConfig | None = None, name: str | None = None):
        self.searcher = Searcher(bp, config)
        self.spec = self.searcher.spec
        self.name = name or "search"

    def make_agent(self) -> SearchAgent:
        """A fresh agent (its own solutions and beliefs)."""
        return SearchAgent(self.searcher, self.name)


class SearchAgent:
    """Plays real hands: the blueprint before ``from_street``, the search after (module docstring)."""

    def __init__(self, searcher: Searcher, name: str = "search"):
        self.searcher = searcher
        self.name = name
        self.strategy = searcher.strategy
        self.config = searcher.config
        self.rng = np.random.default_rng()
        self.solves: list[dict] = []  # street, seconds, iterations, nodes, leaves of every solve
        self.start_hand(0, (0, 1))

    def start_hand(self, seat: int, hole: tuple[int, int], rng: np.random.Generator | None = None) -> None:
        """A new hand in ``seat`` with ``hole`` cards."""
        if rng is not None:
            self.rng = rng
        self.seat = seat
        self.hole = (int(hole[0]), int(hole[1]))
        self.hand = self.searcher.hands.index(self.hole)
        self.node = self.strategy.root()  # the blueprint's abstract node (-1: off its tree)
        self.ranges = np.ones((2, NUM_PAIRS))
        self.round_street = -1
        self._bp_records = []
        self.round_state: BettingState | None = None
        self.round_node = -1
        self.history: list[tuple[BettingState, Action]] = []
        self.likelihood = np.ones((2, NUM_PAIRS))
        self.solution: Solution | None = None
        self.board: tuple[int, ...] = ()
        self._pending = -1

    # -- rounds and beliefs ---------------------------------------------------------------
    def _enter(self, state: BettingState) -> None:
        if state.street == self.round_street:
            return
        if self.round_street >= 0:
            if self.solution is not None:
                self._solution_likelihood()
            for record in self._bp_records:
                self._blueprint_likelihood(*record)
            for p in (0, 1):
                updated = self.ranges[p] * self.likelihood[p]
                if updated.sum() > 0:  # an action no hand takes under the model: no information
                    self.ranges[p] = updated
        self.round_street = state.street
        self.round_state = state
        self.round_node = self.node
        self.history = []
        self.likelihood = np.ones((2, NUM_PAIRS))
        self._bp_records: list[tuple[BettingState, Action, int, int]] = []
        self.solution = None
        self._last: tuple[list[Action], np.ndarray] = ([], np.zeros((0, NUM_PAIRS)))

    def _solution_likelihood(self) -> None:
        sub = self.solution.sub
        node = 0
        for state, action in self.history:
            child = sub.child_of(node, action) if node >= 0 and sub.kind[node] == DECISION else -1
            if child >= 0:
                i = [a.label for a in sub.actions[node]].index(action.label)
                self.likelihood[state.to_act] *= self.solution.at(node)[i]
            node = child

    def _blueprint_likelihood(self, state: BettingState, action: Action, node: int, pending: int) -> None:
        node = self.strategy.sync(node, state)
        if node < 0:
            return
        p = state.to_act
        board = self.board[:int(np.sum(self.searcher.spec.board_cards[:state.street + 1]))]
        buckets = self.searcher.buckets_of(state.street, board)
        probs = self.strategy.column_probs(node, buckets)
        if p == self.seat and pending >= 0:
            self.likelihood[p] *= probs[:, pending]
            return
        children, weights = self.strategy.translate(node, state, action)
        kids = [self.strategy.child(node, c) for c in range(probs.shape[1])]
        like = np.zeros(NUM_PAIRS)
        for child, w in zip(children, weights):
            if child in kids:
                like += w * probs[:, kids.index(child)]
        self.likelihood[p] *= like

    # -- playing --------------------------------------------------------------------------
    def act(self, state: BettingState, board: tuple[int, ...]) -> tuple[Action, tuple[tuple[Action, float], ...]]:
        """(the sampled real action, the agent's probabilities over the real actions here)."""
        self.board = tuple(int(c) for c in board)
        self._enter(state)
        if state.street < self.config.from_street:
            return self._blueprint_act(state)
        actions, probs = self.search_strategy()
        node = self.solution.sub.find(tuple(a.label for _, a in self.history))
        self._last = (actions, self.solution.at(node))
        k = int(self.rng.choice(len(probs), p=probs)) if len(probs) > 1 else 0
        return actions[k], tuple((a, float(q)) for a, q in zip(actions, probs))

    # -- what an evaluator reads for every hole pair (LBR: holdem.eval.lbr_real) ---------------
    def action_likelihood(self, action: Action) -> np.ndarray:
        """[1326]: the probability of ``action`` (just returned by :meth:`act`) for every pair."""
        actions, probs = self._last
        return probs[actions.index(action)] if action in actions else np.zeros(NUM_PAIRS)

    def fold_probability(self, state: BettingState, action: Action, board: tuple[int, ...]) -> np.ndarray:
        """[1326]: per pair, the probability that the agent folds to another seat's ``action``
        at ``state`` (before it is applied), as it would play it."""
        self.board = tuple(int(c) for c in board)
        self._enter(state)
        after = state.apply(action, validate=False)
        if after.is_terminal or after.to_act != self.seat or not after.legal_actions().can_fold:
            return np.zeros(NUM_PAIRS)
        if state.street < self.config.from_street:
            return self._blueprint_fold(state, action, after)
        hist = tuple(a.label for _, a in self.history) + (action.label,)
        if self.solution is None or self.solution.sub.find(hist) < 0:
            self.history.append((state, action))  # solve as if it happened (the size is added)
            try:
                self._solve()
            finally:
                self.history.pop()
        sub = self.solution.sub
        node = sub.find(hist)
        labels = [a.label for a in sub.actions[node]]
        return self.solution.at(node)[labels.index("f")].copy()

    def _blueprint_fold(self, state: BettingState, action: Action, after: BettingState) -> np.ndarray:
        s = self.strategy
        node = s.sync(self.node, state)
        buckets = self.searcher.buckets_of(after.street, self.board)
        out = np.zeros(NUM_PAIRS)
        for child, p in zip(*s.translate(node, state, action)):
            child = s.sync(child, after)
            actions, groups = s.columns(child, after)
            if child < 0 or Action(0) not in actions:
                continue
            probs = s.column_probs(child, buckets)
            out += p * probs[:, groups[actions.index(Action(0))]].sum(axis=1) / np.maximum(probs.sum(axis=1), 1e-300)
        return out

    def search_strategy(self) -> tuple[list[Action], np.ndarray]:
        """(the subgame's actions here, the search's probabilities for the agent's hand),
        solving the round first when the real history is not in the solved tree."""
        hist = tuple(a.label for _, a in self.history)
        if self.solution is None or self.solution.sub.find(hist) < 0:
            self._solve()
        sub = self.solution.sub
        node = sub.find(hist)
        probs = np.maximum(self.solution.at(node)[:, self.hand], 0.0)
        total = probs.sum()
        probs = probs / total if total > 0 else np.full(len(probs), 1.0 / len(probs))
        return list(sub.actions[node]), probs

    def blueprint_strategy(self, state: BettingState) -> tuple[list[Action], np.ndarray]:
        """(real actions, the blueprint's probabilities for the agent's hand) at ``state``
        (check/call alone when the hand is off the blueprint's tree)."""
        actions, groups, probs = self._blueprint_columns(state, self.strategy.sync(self.node, state))
        return actions, np.array([probs[g].sum() for g in groups])

    def _blueprint_columns(self, state: BettingState, node: int) -> tuple[list[Action], list[list[int]], np.ndarray]:
        """(real actions, the columns making each, the column probabilities for the agent's hand)."""
        s = self.strategy
        bucket = s.hand_bucket(state.street, self.hole, np.asarray(self.board, dtype=np.int64))
        actions, groups = s.columns(node, state)
        probs = np.maximum(s.column_probs(node, np.array([bucket]))[0], 0.0)
        total = probs.sum()
        return actions, groups, probs / total if total > 0 else np.full(len(probs), 1.0 / len(probs))

    def _solve(self) -> None:
        extra: dict[tuple[str, ...], set[int]] = {}
        frozen: dict[tuple[str, ...], np.ndarray] = {}
        old = self.solution
        for j, (state, action) in enumerate(self.history):
            hist = tuple(a.label for _, a in self.history[:j])
            if action.kind == RAISE:  # the opponent's sizes (and a query's own past sizes)
                extra.setdefault(hist, set()).add(int(action.amount))
            if state.to_act == self.seat and old is not None:
                node = old.sub.find(hist)
                if node >= 0:
                    frozen[hist] = old.at(node).copy()
        self.solution = self.searcher.solve(self.round_state, self.board, self.ranges, self.round_node, extra,
                                            frozen, seed=len(self.history), searcher=self.seat)
        sol = self.solution
        self.solves.append({"street": self.round_street, "seconds": sol.seconds, "iterations": sol.solver.iterations,
                            "nodes": sol.sub.num_nodes, "leaves": sol.solver.leaves.num_leaves})

    def _blueprint_act(self, state: BettingState) -> tuple[Action, tuple[tuple[Action, float], ...]]:
        s = self.strategy
        self.node = s.sync(self.node, state)
        actions, groups, probs = self._blueprint_columns(state, self.node)
        col = int(self.rng.choice(len(probs), p=probs)) if len(probs) > 1 else 0
        self._pending = col
        k = next(i for i, g in enumerate(groups) if col in g)
        everyone = s.column_probs(self.node, self.searcher.buckets_of(state.street, self.board))
        everyone = everyone / np.maximum(everyone.sum(axis=1, keepdims=True), 1e-300)
        self._last = (actions, np.array([everyone[:, g].sum(axis=1) for g in groups]))
        return actions[k], tuple((a, float(probs[g].sum())) for a, g in zip(actions, groups))

    def observe(self, state: BettingState, action: Action) -> None:
        """Follow any seat's real ``action`` (before ``state.apply``)."""
        self._enter(state)
        if state.street < self.config.from_street:
            self._bp_records.append((state, action, self.node, self._pending))
        self.history.append((state, action))
        s = self.strategy
        if state.to_act == self.seat and self._pending >= 0:
            self.node = s.child(self.node, self._pending)
        else:
            node = s.sync(self.node, state)
            children, probs = s.translate(node, state, action)
            k = int(self.rng.choice(len(children), p=np.asarray(probs) / sum(probs))) if len(children) > 1 else 0
            self.node = children[k]
        self._pending = -1


def search_spot(searcher: Searcher, hole: tuple[int, int], board: tuple[int, ...], betting: str,
                seed: int = 0) -> dict:
    """The search agent's strategy at a spot of the real game, with the blueprint's beside it:
    ``hole`` of the seat to act after the ACPC ``betting`` (any legal sizes), ``board`` the
    cards dealt so far. ValueError for an impossible history or board."""
    from holdem.game.rules import initial_state, parse_betting

    spec = searcher.spec
    state = initial_state(spec)
    steps: list[tuple[BettingState, Action]] = []
    slashes = 0
    for token in parse_betting(betting):
        if token == "/":
            slashes += 1
            if slashes != state.street:
                raise ValueError(f"betting {betting!r}: a '/' where street {state.street} is still being bet")
            continue
        if state.is_terminal:
            raise ValueError(f"betting {betting!r}: action {token!r} comes after the hand ended")
        if state.street != slashes:
            raise ValueError(f"betting {betting!r}: street {state.street} starts before its '/'")
        action = Action.parse(token)
        try:
            nxt = state.apply(action)
        except ValueError as err:
            raise ValueError(f"betting {betting!r}: {err}") from None
        steps.append((state, action))
        state = nxt
    if state.is_terminal:
        raise ValueError(f"betting {betting!r}: the hand is over ({state.terminal_kind}); nobody acts")
    if state.street != slashes:
        raise ValueError(f"betting {betting!r}: street {state.street} has started; end the history with '/'")
    cards = list(hole) + list(board)
    if len(set(cards)) != len(cards):
        from holdem.core.cards import format_card

        raise ValueError(f"hand {' '.join(map(format_card, hole))} and board {' '.join(map(format_card, board))} "
                         "share a card (or repeat one)")
    _check_board(tuple(board), state.street, spec)
    ends = np.cumsum(spec.board_cards)
    agent = SearchAgent(searcher)
    agent.start_hand(state.to_act, hole, np.random.default_rng(seed))
    for st, action in steps:
        agent.board = tuple(board[:ends[st.street]])
        agent._enter(st)
        if st.street >= searcher.config.from_street:
            agent.search_strategy()  # the round's solution, with this action in it, gives the beliefs
        agent.observe(st, action)
    agent.board = tuple(board)
    agent._enter(state)
    out = {"seat": state.to_act, "street": state.street, "blueprint": agent.blueprint_strategy(state)}
    if state.street >= searcher.config.from_street:
        out["search"] = agent.search_strategy()
        sol = agent.solution
        out["solve"] = {"seconds": sol.seconds, "iterations": sol.solver.iterations, "nodes": sol.sub.num_nodes,
                        "leaves": sol.solver.leaves.num_leaves}
        out["ranges"] = agent.ranges
    return out


__all__ = ["Searcher", "SearchStrategy", "SearchAgent", "Solution", "search_spot"]
