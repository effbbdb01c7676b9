"""Onboarding logic kept free of Rasa so it can be tested and reused on its own."""
