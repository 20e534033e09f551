# tests/arch: the folder boundaries of docs/architecture.md, checked over
# every #include of the product code.

INTEGRATION_TESTS += tests/arch/include_boundaries.py
