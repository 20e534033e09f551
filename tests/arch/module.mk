# tests/arch: the folder boundaries of docs/architecture.md, checked over
# every #include of the product code.

INTEGRATION_TESTS += tests/arch/arch_include_boundaries.py tests/arch/arch_ring_internals.sh
