"""What the screens show, computed from a workspace: table rows, descriptions, the words of a
change, who-can's role groups. No screen here: screens import these, never the other way."""
