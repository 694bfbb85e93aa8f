"""The policy tool for organisations' IG leads: the questionnaire (public) and the register of flows."""
