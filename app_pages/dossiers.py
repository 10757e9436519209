"""Dossiers: the published themed-session dossiers, each with a stable link (?dossier=<id>) and a PDF."""

from components.dossier_view import reader_page
from components.session import current_role

reader_page(current_role())
