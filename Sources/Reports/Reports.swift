/// Reports: see ../shared/docs/architecture.md for what this module owns.
