"""Exports: workbooks as PDF, Word, Excel and Markdown made by workers, and Excel back in."""
