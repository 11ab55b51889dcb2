"""holdem.cli"""
