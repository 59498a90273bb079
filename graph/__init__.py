"""rolemap's headless core: snapshot model, sources, IAM policy engine, access graph, exports.

Nothing here imports Textual or `tui`: the package can be used as a library and from scripts.
"""
