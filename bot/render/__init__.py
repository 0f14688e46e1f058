"""Renderers: events and chronicle entries turned into words, at the edge."""
