"""An organisation analysed account by account: the index of who names whom (index.py), one
account's analysis with the foreign roles and buckets it reaches (analysis.py), and the
queries over all accounts (queries.py)."""
