"""Pure NLP stages: spaCy normalization per language, entity patterns, embedding backends behind one
interface, topic modelling (fit, assign, refit-and-match, human edits, labels).

May import spacy, bertopic, sklearn and numpy; same purity rule as ``transforms``: no I/O of its own,
no prefect, no streamlit; models load on first use, never at import.
"""
