"""The parts of the screening lifecycle behind `screening.workflow.Workflow`.

`results.py`: what the workflow returns (`Screening`, `HistoryEntry`) and the lifecycle in one
sentence; `rules.py`: the judge storage calls inside each write (status, signing and amending
rules); `words.py`: changes and the history in words; `requests.py`: checks of what a caller hands
in. Clients import from `screening.workflow`.
"""
