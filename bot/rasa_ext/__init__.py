"""Everything that plugs into Rasa: NLU components and policies (named in config.yml), the
tracker store and response generator (named in endpoints.yml), the Rasa and action server
entry points with the patches they install, and the guard that checks those patches still fit.

Plain logic these use lives in bot/ (safety, fallback, context reading, walkthroughs...):
nothing here decides what the assistant says, only how it hooks into Rasa.
"""
