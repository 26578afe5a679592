"""The project's own sample data: the courier-case generator (``data.courier_case``) and its phrase banks.

Generated files, the inbox, the warehouse and model artifacts also live under ``data/`` (the default
home) but are ignored by git. Imports only the standard library, numpy, polars and xlsxwriter.
"""
