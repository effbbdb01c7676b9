"""Everything that starts processes: the supervisor of `python -m bot run`, the production
profile and its nginx, training, and the files Rasa is started with (endpoints, credentials)."""
