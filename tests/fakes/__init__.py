"""Test doubles that stand in for programs and services we cannot run here."""
