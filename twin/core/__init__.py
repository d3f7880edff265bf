"""twin/core"""
