"""A feature's traffic: scenario values, token draws, capacity, the projection, the report
table and its writers, and what-if grids."""
