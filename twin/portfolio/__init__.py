"""twin/portfolio"""
