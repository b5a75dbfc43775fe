"""Services: the behaviour both front ends share (doctor, status, logs, usage, routes, setup).

Services own loops, buffering and retries and return values or iterators; they use
adapters for IO and never import `textual`, so `meshtui logs` and the Logs panel run
the same engine.
"""
