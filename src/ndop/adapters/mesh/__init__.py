"""MESH through the real `mesh-client`, and a local `mesh-sandbox` for tests and the demo."""
