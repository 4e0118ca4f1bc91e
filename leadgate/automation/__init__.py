"""What LeadGate does on its own after a change: assignment, automatic replies, rules.

Nothing here runs in a request or inside a drain's transaction: the drain
collects what happened and starts one job after its commit (`inbound.py`).
"""
