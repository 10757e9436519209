"""The static public edition of the monitor: plain HTML, SVG, CSV and Excel files for any web server.

``python -m publish site OUT/`` writes the current release into ``OUT/<release id>/`` and refreshes
``OUT/index.html``, the list of every edition in ``OUT``. A top-level package named after the verb the
issue asks for; ``warehouse.publication.publish`` (a function of the warehouse) does not clash with it.
"""
