"""twin/housing"""
