"""Stage 3, decide: one request through the gates (gate.py, gates/, combined by combine.py;
decider.py asks per resource and object-key prefix), and the trust questions (trust.py,
unread.py for roles that could not be read). Imports only classify and compile."""
