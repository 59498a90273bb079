"""rolemap's user interfaces: the Textual explorer and the `rolemap` command line.

Nothing here calls boto3: every AWS or analysis question goes through `graph`.
"""
