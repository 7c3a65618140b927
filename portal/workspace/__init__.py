"""The strategy workspace: workbooks from templates, goals, measures, method checks."""
