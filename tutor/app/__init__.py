"""tutor.app"""
