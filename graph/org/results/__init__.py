"""An organisation's analysis results as Parquet under its folder (schema.py), written one
account at a time by whichever executor runs the work (graph/org/run.py)."""
