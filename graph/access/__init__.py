"""The access graph: which instance, via which role, can do what on which bucket, and why.

Public API::

    g = build_access_graph(snapshot, assumed={"aws:SecureTransport": "true"}, progress=cb)
    g.reachable_from_instance("i-0abc"); g.reachable_from_role(role_arn)
    g.who_can("bucket", action="s3:GetObject"); g.explain("i-0abc", "bucket", "s3:GetObject")
    g.graph  # networkx.MultiDiGraph
"""

from graph.access.model import ActionAccess, BucketAccess, Explanation, Hop, PrincipalAccess
from graph.access.query.graph import AccessGraph, build_access_graph

__all__ = [
    "AccessGraph",
    "ActionAccess",
    "BucketAccess",
    "Explanation",
    "Hop",
    "PrincipalAccess",
    "build_access_graph",
]
