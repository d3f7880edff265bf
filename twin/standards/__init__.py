"""Open standards in and out, the running parts: model-quality reports of revisions (IDS),
Brick graph export, and their endpoints and commands."""
