"""Letters: the PDF renderer (reportlab), the outbox on disk, GOV.UK Notify's precompiled letters."""
