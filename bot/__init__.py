"""The RUC MFA assistant: everything but Rasa's training data and the thin actions."""

from bot.rasa_ext.rasa_compat import refuse_plain_rasa_server

# The model's components import this package first: a plain `rasa run` stops here, saying why.
refuse_plain_rasa_server()
