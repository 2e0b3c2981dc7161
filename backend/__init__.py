"""Vigie: neighbourhood watch and solidarity platform."""
