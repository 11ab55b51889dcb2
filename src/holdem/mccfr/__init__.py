"""holdem.mccfr"""
