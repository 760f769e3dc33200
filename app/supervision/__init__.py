"""The supervisor's ("leder") review: programme indicators, follow-up discipline, hours toward the goal and
the 225-hour rule, and server-rendered SVG charts.

Domain layer only: functions that take a scope (a set of jobformidler user ids, see `scope.py`), dates and
`today`, and answer with plain dataclasses or SQLAlchemy selects. The views that show them live elsewhere.
"""
