"""tutor.sim"""
