"""holdem.io"""
