"""Hand-assisted extraction: article text -> draft incidents, every value with its evidence.

Stages are small pure functions over a ``Doc`` (see ``document.py``); ``registry.py`` is
the one list of them. Nothing here touches the database or prints.
"""
