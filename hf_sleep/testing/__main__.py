"""`python -m hf_sleep.testing`: a local Hub-compatible server for trying publishing offline."""

from hf_sleep.testing.hub_server import main

raise SystemExit(main())
