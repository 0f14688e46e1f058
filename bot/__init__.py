"""Bedtime: a Discord bot for monthly, collaborative dream sessions."""
