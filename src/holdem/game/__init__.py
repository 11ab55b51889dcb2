"""holdem.game"""
