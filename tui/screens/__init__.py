"""The explorer's screens: loading, error, explorer, trace, who-can and the modal dialogs."""
