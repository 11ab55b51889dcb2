"""holdem.eval"""
