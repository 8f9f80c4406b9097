"""Matching the need list (需求清单) to the supply list (供给清单) for a whole county at once.

The algorithmic core (``problem``, ``candidates``, ``scoring``, ``solver``, ``greedy``,
``exact``) is plain Python and NumPy and imports no Django models, so it can be tested and
benchmarked without a database; the Celery task and pages turn model rows into its inputs.
"""
