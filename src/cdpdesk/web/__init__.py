"""Web desk: FastAPI app, pages and pictures."""
