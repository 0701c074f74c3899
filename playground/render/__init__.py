"""Pure rendering helpers (DOT, LaTeX, Plotly figures): no Streamlit import, unit-testable."""
