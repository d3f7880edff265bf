"""twin/scene"""
