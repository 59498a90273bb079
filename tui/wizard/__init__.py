"""The role wizard in the app: one screen, six steps, each validated before Next."""
