"""An AWS Organization: loading it, the folder that holds it, and synthetic ones.

The folder (`folder`) is the unit everything else agrees on: `organization.json` (the tree,
the SCPs and RCPs and where they attach, what was and was not loaded) and one sub-folder per
account holding an ordinary snapshot, so any account still opens alone.
"""
