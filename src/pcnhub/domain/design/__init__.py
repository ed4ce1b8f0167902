"""The configuration proposer: contiguous, in-band, compact networks of practices.

Modules, each importing only from those listed before it:

* :mod:`~pcnhub.domain.design.model`: practices (``Unit``), pieces, regions,
  results (``Proposal``, ``PieceResult``), the finding rule ids, the feasible
  numbers of networks (``k_range``) and how a partition is scored (compactness
  cost, deviation from the band);
* :mod:`~pcnhub.domain.design.effort`: how much work a piece's bound gets before
  its exact solve, by the piece's size (``bound_search``; ``legacy_bound_search``,
  the settings before it, for the bench);
* :mod:`~pcnhub.domain.design.metrics`: quality metrics of any configuration
  over a neighbour graph, how far a proposal moves practices from the current
  configuration, and the current configuration compared with a proposal
  (``compare_current``);
* :mod:`~pcnhub.domain.design.exact`: exact set partitioning (enumeration of
  connected candidates, column generation, HiGHS);
* :mod:`~pcnhub.domain.design.bisection`: recursive bisection by spanning-tree
  cuts;
* :mod:`~pcnhub.domain.design.heuristic`: seeded growth, repair, ejection
  chains, ReCom and boundary moves;
* :mod:`~pcnhub.domain.design.propose`: the driver (``propose``,
  ``explain_feasibility``): pieces, the time budget, the heuristic pass, the
  bound search, exact solves, restarts; and ``design``, which builds the neighbour graph,
  proposes, names the networks and measures them (a ``Design``).

The command line (``pcnhub design``) is :mod:`pcnhub.cli.design`, its input read by
:mod:`pcnhub.ingest.design_input`.
This package imports nothing here: import from the modules.
"""
