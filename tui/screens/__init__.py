"""The explorer's screens: loading, error, explorer, trace, who-can and the modal dialogs.

Screens never import each other (import-linter's independence contract in pyproject.toml):
to open another screen they post a request of `tui.navigation` to the app, which
`tui.navigator` answers. Also here: `access_screen`, the frame trace and who-can extend, and
the panes only the explorer composes (`changes_pane`, `changes_tree`, `findings_view`).
"""
