"""The dispatch optimiser: technicians, jobs and travel in (:mod:`.model`, :mod:`.travel`), a
checked plan out (:func:`.solver.solve`, :func:`.checker.check_plan`). No Django in here: the
dispatch app turns its orders and people into this model and the plan back into proposals."""
