"""holdem.abstraction"""
