"""Level-1 fusion: what happened, where and when, with what uncertainty.

It knows nothing of parties or the agreement: picks in, located and paired events out.
"""
