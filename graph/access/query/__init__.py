"""Stage 6, queries: the AccessGraph (reach from an instance or role, who can, explain) over
the assembled answers (graph.py), its networkx view (nxview.py), and finding things by name
(lookup.py, no_role.py). Imports earlier stages; nothing in graph/access imports it."""
