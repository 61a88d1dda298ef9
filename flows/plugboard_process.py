"""A ready-to-deploy Prefect flow that runs any Plugboard model.

Deploy it with `plugboard prefect deploy`, with `prefect deploy --all` from this folder (see
`prefect.yaml`), or serve it with `run_process.serve(...)`. Its parameters are the model's
location (a path or fsspec URL), parameter overrides with the names `plugboard process run -p`
takes, and an optional job id.
"""

from plugboard_prefect.entrypoint import run_process


__all__ = ["run_process"]
