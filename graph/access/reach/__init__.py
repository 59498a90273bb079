"""Stage 5, assemble reach: per role, which bucket classes to ask and the class cache
(computer.py), the public's answers (public.py), other accounts and services (external.py),
chains of assumed roles (chain.py), all of it for one snapshot (build.py), and sharing with
an earlier snapshot's analysis (reuse.py). Imports earlier stages."""
