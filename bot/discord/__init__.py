"""The Discord floor's toolkit, shared by every cog and never importing one: the client, the
front door and its timing, the one error path, posting, campaign lookup, the custom-id grammar
of controls and modals, and the presenters that turn a move's events into messages.

Cogs (one package per feature, under `cogs/`) register their commands, controls, modals and
presenters here when their extension loads.
"""
