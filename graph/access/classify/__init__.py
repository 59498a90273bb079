"""Stage 2, classify: what each role's statements and each bucket's documents say about one
another (role_facts.py, bucket_facts.py), buckets of one *shape* sharing answers, and
actions into classes that every statement treats alike (classes.py). Imports only compile."""
