"""Shared by every page: the field spec behind URL, session and JSON state, the share panel, teacher links,
presets and the palette."""
