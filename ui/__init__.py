"""The Streamlit user interface: a thin layer over `screening`. Only this package and `app.py`
import Streamlit; `ui.state` owns session state and query parameters."""
