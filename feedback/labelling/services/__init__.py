"""Every write of the labelling app: one transaction each, keyword-only arguments.

Split by concern: codebooks, imports, assignments, labels.
"""
