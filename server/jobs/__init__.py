"""Background work and what seeds a workspace: the scheduler (it drains the job-request table),
the classifier job, training runs, learning from ratings, and the demo."""
