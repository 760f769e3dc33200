"""The supervisor's ("leder") review: visit history and exports, follow-up discipline, programme indicators,
hours toward the goal and the 225-hour rule, server-drawn SVG charts, and the access log.

The domain functions take a scope (jobformidler ids, see scope.py) and `today`, and answer with plain
dataclasses or SQLAlchemy selects; views.py shows them.
"""
