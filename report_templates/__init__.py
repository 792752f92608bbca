"""The digest's Jinja2 templates (digest.html, digest.txt), shipped as package data.

A package so that an installed monitor finds them wherever it runs; monitor.digest loads
them with jinja2's PackageLoader.
"""
