"""What runs only inside a kernel: its one store, the IPython magics, the ipywidgets chat panel, and the comm
to JupyterLab that keeps sessions in the notebook's metadata.

Nothing below the store (models, storage, the store itself) imports this package, and neither does the server:
the server process never loads comm or widget code.
"""
