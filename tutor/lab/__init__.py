"""tutor.lab"""
