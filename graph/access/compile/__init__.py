"""Stage 1, compile: every policy of the account parsed once (policies.py), each distinct
statement's S3 actions as a bitmask (actions.py), its facts (statements.py), the buckets its
resource patterns concern (index.py, policy_part.py), and bucket ACLs as policies (acl.py).
Imports only the access model and graph's lower layers."""
