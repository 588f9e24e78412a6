"""Compiled execution plans: known read documents answered by one SQL statement.

A query whose every selected field has an inliner (`inliners.py`) is compiled into one
PostgreSQL statement that returns the finished `data` object as JSON text
(`compiler.py`, built with the ORM from the domain selectors' querysets, so visibility
stays in the selectors); `runner.py` runs it where execution would start, after the
operation gate's checks, and anything it cannot answer exactly as the standard executor
would (a field without an inliner, a variable the standard path would refuse, a SQL
error) runs on the standard executor instead. `GRAPHQL_COMPILED_PLANS` turns it off.
"""
