"""holdem.parallel"""
