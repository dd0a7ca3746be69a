"""typeset: a composed letter's HTML -> PDF (WeasyPrint) and DOCX (python-docx)."""
