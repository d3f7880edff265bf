"""twin/maintenance"""
