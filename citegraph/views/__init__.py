"""Rich renderables for every question citegraph answers. Callers decide where they go.

Untrusted text (titles, abstracts, names from the network) only ever enters a renderable
through :func:`citegraph.views.safe.text`, never as rich markup.
"""
