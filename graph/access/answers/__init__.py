"""Stage 4, keep answers: decided answers kept per action class and shared (class_answers.py),
and each role's compact map from buckets to them (role_reach.py). Imports earlier stages."""
