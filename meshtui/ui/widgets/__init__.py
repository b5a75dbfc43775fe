"""Reusable widgets: the cluster header and tables that update rows by key."""
